import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { JobFailedError } from '../errors.js';
import type { AdvanceOutcome } from './advanceStream.js';
import { StackNotFoundError } from './errors.js';

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
  const functionName = `${stack}-trigger`;
  const event = { stream, event: { source: 'stepmr', 'detail-type': 'Trigger Requested', time } };
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
  const text = Buffer.from(response.Payload ?? []).toString('utf8');
  const payload = JSON.parse(text || 'null') as Record<string, unknown> | null;
  if (response.FunctionError) {
    throw new JobFailedError(
      `the trigger function did not start stream ${stream}'s batch: ${String(payload?.errorType ?? response.FunctionError)}: ${String(payload?.errorMessage ?? '')}`,
    );
  }
  return payload as AdvanceOutcome;
}
