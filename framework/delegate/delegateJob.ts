import { REGISTRY_REF } from '../contract/names.js';
import { jsonLines } from '../io/formats.js';
import { defineJob } from '../job/defineJob.js';
import type { DelegateTask } from './types.js';

/**
 * The registry name of the built-in delegate job. It holds a '.', which no name of
 * `stepmr.config.ts` may, so no registered job can take it.
 *
 * @example
 * ```ts
 * const module = `job:${DELEGATE_JOB_NAME}`; // 'job:stepmr.delegate'
 * ```
 */
export const DELEGATE_JOB_NAME = 'stepmr.delegate';

/**
 * How a plan names the built-in delegate job: the deployed functions load it without the user
 * registering it. Only this exact reference does; its tasks are still checked against the
 * config's `delegates` by the delegate function, so it reaches nothing a registered job cannot.
 *
 * @example
 * ```ts
 * reference === DELEGATE_JOB_REF; // 'job:stepmr.delegate'
 * ```
 */
export const DELEGATE_JOB_REF = `${REGISTRY_REF}${DELEGATE_JOB_NAME}`;

/**
 * The built-in delegate job: its input is the tasks as JSON Lines, each record a task made by
 * `http`, `gateway` or `lambda`, and its result the calls' results in input order. What
 * `delegate(tasks, { on: 'stack' })` runs.
 *
 * @example
 * ```ts
 * await driver.start({ job: delegateJob, name: DELEGATE_JOB_NAME, module: DELEGATE_JOB_REF, inputs, output });
 * ```
 */
const delegateJob = defineJob({
  name: DELEGATE_JOB_NAME,
  input: jsonLines<DelegateTask>(),
  // The record is the task; the delegate function checks it against the contract and the stack's allow list.
  delegate: (task) => task,
});

export default delegateJob;
