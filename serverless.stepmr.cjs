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
  schedules: async ({ resolveVariable }) => {
    const [stack, config] = await Promise.all([
      load('./framework/deploy/stack.ts'),
      load('./stepmr.config.ts'),
    ]);
    return stack.scheduleEvents(config.default, await names(resolveVariable));
  },
};
