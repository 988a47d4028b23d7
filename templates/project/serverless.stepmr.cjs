// The parts of serverless.yml that come from stepmr: the state machine's definition (built by
// the installed stepmr, never copied) and logging, the stack's resources and least-privilege
// roles, and the schedules of stepmr.config.ts.
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
  resources: async ({ resolveVariable }) => (await stepmr()).stackResources(await names(resolveVariable)),
  // Where the functions find the stack. `stepmr offline` runs serverless-offline, which cannot
  // resolve Ref, with the offline stack's bucket and state machine in these variables.
  dataBucket: () => process.env.STEPMR_OFFLINE_DATA_BUCKET ?? { Ref: 'DataBucket' },
  stateMachineArn: () => process.env.STEPMR_OFFLINE_STATE_MACHINE_ARN ?? { Ref: 'JobsStateMachine' },
  schedules: async ({ resolveVariable }) => {
    const { loadConfig, scheduleEvents } = await stepmr();
    return scheduleEvents(await loadConfig(CONFIG), await names(resolveVariable));
  },
};
