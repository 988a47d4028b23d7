import type { ExecutionRecord } from './execution.js';
import type { ExecutionStatus } from './types.js';

/** How long after it ended an execution can be redriven, as on AWS: 14 days. */
export const REDRIVE_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

/** Whether `RedriveExecution` would take an execution now, and if not, why. */
export type RedriveStatus =
  | { readonly redriveStatus: 'REDRIVABLE' }
  | { readonly redriveStatus: 'NOT_REDRIVABLE'; readonly redriveStatusReason: string };

const notRedrivable = (redriveStatusReason: string): RedriveStatus => ({
  redriveStatus: 'NOT_REDRIVABLE',
  redriveStatusReason,
});

/**
 * Whether a top-level execution can be redriven at `now` (epoch ms), with AWS's reasons when
 * not: it is running or succeeded, or it ended more than 14 days ago. An execution that
 * stopped inside a Parallel or an inline Map state is not redrivable here: AWS would run only
 * the failed branches or iterations again, which this engine does not do.
 *
 * @example
 * ```ts
 * redriveStatus(record, Date.now()); // { redriveStatus: 'REDRIVABLE' }
 * ```
 */
export function redriveStatus(record: ExecutionRecord, now: number): RedriveStatus {
  const status: ExecutionStatus = record.status;
  if (status === 'RUNNING' || status === 'SUCCEEDED') {
    return notRedrivable(`Execution is ${status} and cannot be redriven`);
  }
  if (!record.settled) return notRedrivable('Execution is still stopping; try again in a moment');
  if (record.stopDate && now - record.stopDate.getTime() > REDRIVE_WINDOW_MS) {
    return notRedrivable('Execution redrivable period exceeded');
  }
  const at = record.position;
  if (!at) return notRedrivable('Execution ended before it entered a state; start a new execution');
  const state = record.machine.states.get(at.name);
  if (state?.Type === 'Parallel') {
    return notRedrivable(
      `Execution stopped in Parallel state '${at.name}': this engine cannot redrive only its failed branches; start a new execution`,
    );
  }
  const processor = state?.Type === 'Map' ? (state.ItemProcessor ?? state.Iterator) : undefined;
  if (state?.Type === 'Map' && processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') {
    return notRedrivable(
      `Execution stopped in inline Map state '${at.name}': this engine cannot redrive only its failed iterations; start a new execution`,
    );
  }
  return { redriveStatus: 'REDRIVABLE' };
}
