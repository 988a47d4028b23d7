import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { JobFailedError } from '../errors.js';
import { StackNotFoundError } from './errors.js';

/**
 * Invokes one of a stack's own functions (`<stack>-<name>`) with `event` and resolves with its
 * JSON answer. A missing function is a `StackNotFoundError` that says how to deploy; an error the
 * function raised is a `JobFailedError` that starts with `failed` and names the error's type and
 * message.
 *
 * @example
 * ```ts
 * const outcome = await invokeStackFunction(lambdaClient(), 'stepmr-dev', 'trigger', event, 'the trigger function failed');
 * ```
 */
export async function invokeStackFunction(
  lambda: LambdaClient,
  stack: string,
  name: string,
  event: unknown,
  failed: string,
): Promise<unknown> {
  const functionName = `${stack}-${name}`;
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
      `${failed}: ${String(payload?.errorType ?? response.FunctionError)}: ${String(payload?.errorMessage ?? '')}`,
    );
  }
  return payload;
}
