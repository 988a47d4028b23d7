// The parts of serverless.yml that come from stepmr: the state machine's definition (built by
// the installed stepmr, never copied) and logging, the stack's resources and least-privilege
// roles, and the schedules and streams of stepmr.config.ts.
const { join } = require('node:path');

const stepmr = () => import('stepmr/serverless');
const CONFIG = join(__dirname, 'stepmr.config.ts');

async function names(resolveVariable) {
  return { service: await resolveVariable('self:service'), stage: await resolveVariable('sls:stage') };
}

module.exports = {
  definition: async () => (await stepmr()).templateDefinition(),
  // Failures of the state machine go to its log group (a resource of `resources`).
  loggingConfig: async () => (await stepmr()).stateMachineLogging(),
  // With the streams of stepmr.config.ts: their EventBridge rules, dead-letter queue and trigger role.
  // The delegate function's role may invoke only the APIs and functions stepmr.config.ts names.
  resources: async ({ resolveVariable }) => {
    const { loadConfig, stackResources } = await stepmr();
    return stackResources(await names(resolveVariable), await loadConfig(CONFIG));
  },
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
    const { loadConfig, scheduleEvents } = await stepmr();
    return scheduleEvents(await loadConfig(CONFIG), await names(resolveVariable));
  },
};
