import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { StartedJob } from '../Driver.js';
import { invokeStackFunction } from './invokeStackFunction.js';
import type { ScheduledEvent } from './scheduledRun.js';

/** What the scheduler function answers: the job it started, or that the run had already started. */
export type TriggerOutcome = ({ readonly started: true } & StartedJob) | { readonly started: false };

/**
 * Runs a schedule now, as its EventBridge rule would: invokes the stack's scheduler function
 * (`<stack>-scheduler`) with `{ schedule, time }`; the function plans the job and starts it (see
 * `runSchedule`). The function's error (a schedule not in the deployed config, an output that
 * holds a result) is a `JobFailedError` with its type and message; a missing function is a
 * `StackNotFoundError`.
 *
 * @example
 * ```ts
 * const outcome = await triggerSchedule(lambdaClient(), 'stepmr-dev', { schedule: 'wordcount-nightly', time });
 * if (outcome.started) console.log(outcome.executionArn);
 * ```
 */
export async function triggerSchedule(
  lambda: LambdaClient,
  stack: string,
  event: Required<ScheduledEvent>,
): Promise<TriggerOutcome> {
  const payload = await invokeStackFunction(
    lambda,
    stack,
    'scheduler',
    event,
    'the scheduler function did not start the job',
  );
  return payload as TriggerOutcome;
}
