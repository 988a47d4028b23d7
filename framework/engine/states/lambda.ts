import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, StatesError } from '../errors.js';
import type { InvokeResult } from '../Invoker.js';
import type { Scope } from '../runtime.js';

/**
 * The optimized Lambda integration.
 *
 * @example
 * ```ts
 * if (state.Resource === LAMBDA_INVOKE) usesPayloadWrapper();
 * ```
 */
export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;

/**
 * Whether the engine can run a Task `Resource`: `arn:aws:states:::lambda:invoke` or a Lambda
 * function ARN (the legacy form, which passes the input and returns the payload as they are).
 *
 * @example
 * ```ts
 * isSupportedResource('arn:aws:lambda:us-east-1:123456789012:function:f'); // true
 * ```
 */
export function isSupportedResource(resource: unknown): boolean {
  return typeof resource === 'string' && (resource === LAMBDA_INVOKE || FUNCTION_ARN.test(resource));
}

function functionArn(scope: Scope, params: Record<string, unknown>): string {
  const name = params.FunctionName;
  if (typeof name !== 'string' || name === '') {
    throw new StatesError('States.Runtime', 'The lambda:invoke Parameters need a "FunctionName" string.');
  }
  const { region, accountId } = scope.rt;
  let arn = name.startsWith('arn:')
    ? name
    : /^\d{12}:function:/.test(name)
      ? `arn:aws:lambda:${region}:${name}`
      : `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  if (typeof params.Qualifier === 'string' && arn.split(':').length === 7) arn += `:${params.Qualifier}`;
  return arn;
}

/** A Lambda function error as Step Functions reports it: Error = errorType, Cause = the error JSON. */
function functionFailure(result: InvokeResult): StatesError {
  const fe = result.functionError;
  const payload = result.payload;
  const body = payload !== null && typeof payload === 'object' ? payload : fe;
  return new StatesError(fe?.errorType || 'Lambda.Unknown', JSON.stringify(body ?? {}));
}

async function invoke(scope: Scope, arn: string, payload: unknown, signal: AbortSignal): Promise<unknown> {
  let result: InvokeResult;
  try {
    result = await scope.rt.invoker.invoke(arn, payload, { signal });
  } catch (error) {
    if (signal.aborted) throw new ExecutionAbortedError();
    const e = error as Error;
    const name = typeof e?.name === 'string' && e.name.includes('.') ? e.name : 'Lambda.SdkClientException';
    throw new StatesError(name, e?.message ?? String(error), { cause: error });
  }
  if (signal.aborted) throw new ExecutionAbortedError();
  const limit = scope.rt.limits.lambdaResponseBytes;
  if (result.responseBytes > limit) {
    const body = {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${limit} bytes).`,
    };
    throw new StatesError(body.errorType, JSON.stringify(body));
  }
  if (result.functionError) throw functionFailure(result);
  return result.payload ?? null;
}

/**
 * Runs a Task's resource with the state's effective input (after `Parameters`). For
 * `lambda:invoke` the result is `{ ExecutedVersion, Payload, SdkHttpMetadata,
 * SdkResponseMetadata, StatusCode }`; for a function ARN it is the function's payload. A
 * function error fails with its `errorType` (or `Lambda.Unknown`) and the error JSON as cause;
 * an invoker rejection fails with the rejection's `name` (e.g. `Lambda.TooManyRequestsException`).
 *
 * @example
 * ```ts
 * const result = await runResource(scope, LAMBDA_INVOKE, { FunctionName: 'f', Payload: {} }, signal);
 * ```
 */
export async function runResource(
  scope: Scope,
  resource: string,
  input: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  if (resource !== LAMBDA_INVOKE) return invoke(scope, resource, input, signal);
  const params = (input ?? {}) as Record<string, unknown>;
  const payload = await invoke(scope, functionArn(scope, params), params.Payload ?? {}, signal);
  const requestId = randomUUID();
  return {
    ExecutedVersion: typeof params.Qualifier === 'string' ? params.Qualifier : '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      HttpHeaders: {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
