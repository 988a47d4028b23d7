import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { StartedJob } from '../Driver.js';
import { JobFailedError } from '../errors.js';
import { StackNotFoundError } from './errors.js';
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
  const functionName = `${stack}-scheduler`;
  let response: InvokeCommandOutput;
  try {
    response = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    throw new StackNotFoundError(
      `function ${functionName} does not exist: deploy the stack ${stack} (npx serverless deploy), or pass --stack <name>`,
      { cause: error },
    );
  }
  const payload = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8') || 'null') as Record<
    string,
    unknown
  > | null;
  if (response.FunctionError) {
    throw new JobFailedError(
      `the scheduler function did not start the job: ${String(payload?.errorType ?? response.FunctionError)}: ${String(payload?.errorMessage ?? '')}`,
    );
  }
  return payload as TriggerOutcome;
}
