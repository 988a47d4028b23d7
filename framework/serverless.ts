/**
 * `stepmr/serverless`: what a project's serverless.stepmr.cjs takes from the installed stepmr
 * for serverless.yml — the state machine's definition and logging, the stack's resources and roles, the
 * schedules' events, and the loader of stepmr.config.ts. Named re-exports only.
 */
export { scheduleEvents, stackResources, stateMachineLogging, templateDefinition } from './deploy/stack.js';
export { loadConfig } from './runtime/loadConfig.js';
