import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AdvanceOutcome } from './advanceStream.js';
import { invokeStackFunction } from './invokeStackFunction.js';

/**
 * Starts a stream's next batch now, through the same path as its EventBridge rules: invokes the
 * stack's trigger function (`<stack>-trigger`) with a "Trigger Requested" event naming the
 * stream. The function claims the next batch and starts it, or finds one running, or nothing
 * new; a batch whose runs all failed is run again (after a fix). Its error (a stream not in the
 * deployed config) is a `JobFailedError`; a missing function a `StackNotFoundError`.
 *
 * @example
 * ```ts
 * const outcome = await triggerStream(lambdaClient(), 'stepmr-dev', 'clicks', new Date().toISOString());
 * ```
 */
export async function triggerStream(
  lambda: LambdaClient,
  stack: string,
  stream: string,
  time: string,
): Promise<AdvanceOutcome | { readonly outcome: 'ignored'; readonly why: string }> {
  const event = { stream, event: { source: 'stepmr', 'detail-type': 'Trigger Requested', time } };
  const payload = await invokeStackFunction(
    lambda,
    stack,
    'trigger',
    event,
    `the trigger function did not start stream ${stream}'s batch`,
  );
  return payload as AdvanceOutcome;
}
