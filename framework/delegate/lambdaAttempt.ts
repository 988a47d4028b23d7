import { type Attempt, attemptSignal, connectionErrorCode, failed, parseOutput } from './attempt.js';
import type { CallDeps } from './deps.js';
import type { LambdaTask } from './types.js';

/**
 * What one Lambda attempt needs besides the task.
 *
 * @example
 * ```ts
 * const ctx: LambdaAttemptContext = { idempotencyKey: 'job-1-0', timeoutMs: 30_000, deps };
 * ```
 */
export interface LambdaAttemptContext {
  readonly idempotencyKey: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly deps: CallDeps;
}

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'EC2ThrottledException']);

/**
 * One synchronous invocation (`RequestResponse`) of a Lambda task. The `Idempotency-Key` goes
 * in the invocation's client context, as `custom.idempotencyKey`. A
 * function error (`X-Amz-Function-Error`) is a failed result with the function's error type
 * and message (status 500), not retried; throttling is retried like a 429, service errors
 * (5xx) and lost connections like any other call.
 *
 * @example
 * ```ts
 * const attempt = await lambdaAttempt(lambda('enrich').invoke({ id: 1 }), { idempotencyKey: 'job-1-0', timeoutMs: 30_000, deps });
 * ```
 */
export async function lambdaAttempt(task: LambdaTask, ctx: LambdaAttemptContext): Promise<Attempt> {
  const [client, { InvokeCommand }] = await Promise.all([
    ctx.deps.lambda(),
    import('@aws-sdk/client-lambda'),
  ]);
  const clientContext = Buffer.from(
    JSON.stringify({ custom: { idempotencyKey: ctx.idempotencyKey } }),
  ).toString('base64');
  const attempt = attemptSignal(ctx.timeoutMs, ctx.signal);
  const signal = attempt.signal;
  const where = `Lambda ${task.functionName}`;
  try {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: task.functionName,
        InvocationType: 'RequestResponse',
        ClientContext: clientContext,
        ...(task.payload !== undefined ? { Payload: Buffer.from(JSON.stringify(task.payload)) } : {}),
      }),
      { abortSignal: signal },
    );
    const output = parseOutput(out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8'));
    if (out.FunctionError !== undefined) {
      const raised = (output ?? {}) as { errorType?: unknown; errorMessage?: unknown };
      return {
        ok: false,
        status: 500,
        output,
        error: {
          name: typeof raised.errorType === 'string' ? raised.errorType : `Lambda.${out.FunctionError}`,
          message: `${where} raised: ${typeof raised.errorMessage === 'string' ? raised.errorMessage : out.FunctionError}`,
        },
        retryable: false,
        throttled: false,
      };
    }
    return { ok: true, status: out.StatusCode ?? 200, output, retryable: false, throttled: false };
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (attempt.timedOut())
      return failed('TimeoutError', `${where} did not answer within ${ctx.timeoutMs} ms`, true);
    const e = error as {
      name?: string;
      message?: string;
      retryAfterSeconds?: string;
      $metadata?: { httpStatusCode?: number };
    };
    const status = e.$metadata?.httpStatusCode ?? 0;
    if (THROTTLING.has(e.name ?? '') || status === 429) {
      const after = Number(e.retryAfterSeconds);
      return {
        ...failed(e.name ?? 'TooManyRequestsException', `${where} was throttled: ${e.message}`, true, 429),
        throttled: true,
        ...(Number.isFinite(after) && after >= 0 && e.retryAfterSeconds !== undefined
          ? { retryAfterMs: after * 1000 }
          : {}),
      };
    }
    if (status >= 500) return failed(e.name ?? 'ServiceException', `${where}: ${e.message}`, true, status);
    const code = connectionErrorCode(error);
    if (code !== undefined) return failed('ConnectionError', `${where} failed: ${code}`, true);
    return failed(e.name ?? 'LambdaError', `${where}: ${e.message}`, false, status);
  } finally {
    attempt.done();
  }
}
