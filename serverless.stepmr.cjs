// The parts of serverless.yml that come from the framework: the state machine's definition
// (built by framework/statemachine, never copied) and logging, the stack's resources and
// least-privilege roles, and the schedules of stepmr.config.ts. TypeScript is loaded through tsx.
const { tsImport } = require('tsx/esm/api');

const load = (path) => tsImport(path, __filename);

async function names(resolveVariable) {
  return { service: await resolveVariable('self:service'), stage: await resolveVariable('sls:stage') };
}

module.exports = {
  definition: async () => (await load('./framework/deploy/stack.ts')).templateDefinition(),
  // Failures of the state machine go to its log group (a resource of `resources`).
  loggingConfig: async () => (await load('./framework/deploy/stack.ts')).stateMachineLogging(),
  resources: async ({ resolveVariable }) =>
    (await load('./framework/deploy/stack.ts')).stackResources(await names(resolveVariable)),
  // Where the functions find the stack. `stepmr offline` runs serverless-offline, which cannot
  // resolve Ref, with the offline stack's bucket and state machine in these variables.
  dataBucket: () => process.env.STEPMR_OFFLINE_DATA_BUCKET ?? { Ref: 'DataBucket' },
  stateMachineArn: () => process.env.STEPMR_OFFLINE_STATE_MACHINE_ARN ?? { Ref: 'JobsStateMachine' },
  // serverless-esbuild's watcher (of `serverless offline start`) watches every directory of the
  // project and rereads a directory whole on each change in it. s3rver writes the offline
  // bucket's objects under the project (.stepmr/offline/s3), so uploading a few hundred objects
  // grew serverless-offline by gigabytes; and a rebuilt bundle is never reloaded anyway (the
  // handlers are ES modules, imported once). `stepmr offline` sets STEPMR_OFFLINE_DATA_BUCKET
  // and gets no watcher (no pattern to watch); `serverless offline start` run by hand keeps it.
  esbuildWatch: () => (process.env.STEPMR_OFFLINE_DATA_BUCKET ? { pattern: [] } : {}),
  schedules: async ({ resolveVariable }) => {
    const [stack, config] = await Promise.all([
      load('./framework/deploy/stack.ts'),
      load('./stepmr.config.ts'),
    ]);
    return stack.scheduleEvents(config.default, await names(resolveVariable));
  },
};
