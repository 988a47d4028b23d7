import { type Attempt, attemptSignal, connectionErrorCode, failed, parseOutput } from './attempt.js';
import type { ApiKeys } from './auth.js';
import { signRequest } from './auth.js';
import type { CallDeps } from './deps.js';
import { CallAuthError } from './errors.js';
import { retryAfterMs, retryableStatus, throttlingStatus } from './policy.js';
import type { HttpTask } from './types.js';

/**
 * What one HTTP attempt needs besides the task.
 *
 * @example
 * ```ts
 * const ctx: HttpAttemptContext = { idempotencyKey: 'job-1-0', timeoutMs: 30_000, apiKeys, deps };
 * ```
 */
export interface HttpAttemptContext {
  readonly idempotencyKey: string;
  readonly timeoutMs: number;
  /** The run's signal: when it aborts, the attempt rejects with its reason. */
  readonly signal?: AbortSignal;
  readonly apiKeys: ApiKeys;
  readonly deps: CallDeps;
}

/** Where a call went, for messages: method, origin and path, never the query (it may hold data). */
function where(task: HttpTask, url: URL): string {
  return `${task.method} ${url.origin}${url.pathname}`;
}

async function headersFor(task: HttpTask, url: URL, body: string | undefined, ctx: HttpAttemptContext) {
  const headers: Record<string, string> = {
    accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...task.headers,
    'idempotency-key': ctx.idempotencyKey,
  };
  const auth = task.auth;
  if (auth?.type === 'apiKey') {
    headers[(auth.header ?? 'x-api-key').toLowerCase()] = await ctx.apiKeys.value(auth);
  } else if (auth?.type === 'iam') {
    return signRequest(url, task.method, headers, body, auth, ctx.deps);
  }
  return headers;
}

/**
 * One attempt of an HTTP task: the request (JSON body, `Idempotency-Key`, auth), with a
 * timeout covering the response and its body. Redirects are not followed (a key or signature
 * must not travel to another host): a 3xx is a failed result naming its `Location`.
 *
 * @example
 * ```ts
 * const attempt = await httpAttempt(task, { idempotencyKey: 'job-1-0', timeoutMs: 30_000, apiKeys, deps });
 * ```
 */
export async function httpAttempt(task: HttpTask, ctx: HttpAttemptContext): Promise<Attempt> {
  const url = new URL(task.url);
  const body = task.body === undefined ? undefined : JSON.stringify(task.body);
  let headers: Record<string, string>;
  try {
    headers = await headersFor(task, url, body, ctx);
  } catch (error) {
    if (error instanceof CallAuthError)
      return failed(error.name, `${where(task, url)}: ${error.message}`, false);
    throw error;
  }
  const attempt = attemptSignal(ctx.timeoutMs, ctx.signal);
  const signal = attempt.signal;
  try {
    const response = await ctx.deps.fetch(url.toString(), {
      method: task.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
      signal,
    });
    const output = parseOutput(await response.text());
    const status = response.status;
    if (status >= 200 && status < 300) {
      return { ok: true, status, output, retryable: false, throttled: false };
    }
    const after = retryAfterMs(response.headers.get('retry-after'), ctx.deps.wallClock());
    const location = status >= 300 && status < 400 ? response.headers.get('location') : null;
    const message =
      location !== null
        ? `${where(task, url)} answered ${status} redirecting to ${location.split('?')[0]}: redirects are not followed, call the final URL`
        : `${where(task, url)} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return {
      ok: false,
      status,
      output,
      error: { name: 'HttpError', message },
      retryable: retryableStatus(status),
      throttled: throttlingStatus(status),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (attempt.timedOut()) {
      return failed('TimeoutError', `${where(task, url)} did not answer within ${ctx.timeoutMs} ms`, true);
    }
    const code = connectionErrorCode(error);
    if (code !== undefined) {
      return failed(
        'ConnectionError',
        `${where(task, url)} failed: ${code} (the connection was lost or refused)`,
        true,
      );
    }
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail =
      typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? (error as Error).message);
    return failed('RequestError', `${where(task, url)} failed: ${detail}`, false);
  } finally {
    attempt.done();
  }
}
