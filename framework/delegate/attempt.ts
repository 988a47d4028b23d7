import type { CallError } from './types.js';

/**
 * What one attempt of a call gave: a response, or why there was none, and whether to try again.
 *
 * @example
 * ```ts
 * const attempt: Attempt = { ok: true, status: 200, output: {}, retryable: false, throttled: false };
 * ```
 */
export interface Attempt {
  readonly ok: boolean;
  /** The HTTP status; 0 when no response came. */
  readonly status: number;
  readonly output: unknown;
  readonly error?: CallError;
  /** Whether another attempt may succeed (429, 5xx, timeout, connection error, Lambda throttling). */
  readonly retryable: boolean;
  /** The service said it is overloaded (429, 503, Lambda throttling): the adaptive limit comes down. */
  readonly throttled: boolean;
  /** The service's `Retry-After`, ms. */
  readonly retryAfterMs?: number;
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * The network error code under `error` (fetch wraps it as `cause`), when it is one that a new
 * connection may not meet: a reset, a refused or dropped connection, a hang-up.
 *
 * @example
 * ```ts
 * connectionErrorCode(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })); // 'ECONNRESET'
 * ```
 */
export function connectionErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    if (typeof message === 'string' && /socket hang up|other side closed/i.test(message)) return 'ECONNRESET';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A response body as output: parsed JSON when it is JSON, else the text; `null` when empty.
 *
 * @example
 * ```ts
 * parseOutput('{"score":7}'); // { score: 7 }
 * parseOutput('plain'); // 'plain'
 * ```
 */
export function parseOutput(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * An attempt that failed before or without a response.
 *
 * @example
 * ```ts
 * failed('TimeoutError', 'POST https://api.example.com/score did not answer within 30000 ms', true);
 * ```
 */
export function failed(name: string, message: string, retryable: boolean, status = 0): Attempt {
  return { ok: false, status, output: null, error: { name, message }, retryable, throttled: false };
}

/** The signal of one attempt: aborted by its timeout or by the run's signal. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** Whether the timeout (not the run) aborted it. */
  timedOut(): boolean;
  /** Clears the timer and the link to the run's signal; call it when the attempt ends. */
  done(): void;
}

/**
 * An attempt's signal, with its timer cleared as soon as the attempt ends (`AbortSignal.timeout`
 * would keep one timer per attempt alive for the whole timeout, and `AbortSignal.any` costs
 * more than the listener it stands for).
 *
 * @example
 * ```ts
 * const attempt = attemptSignal(30_000, runSignal);
 * try { await fetch(url, { signal: attempt.signal }); } finally { attempt.done(); }
 * ```
 */
export function attemptSignal(timeoutMs: number, run: AbortSignal | undefined): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = () => controller.abort(run?.reason);
  if (run?.aborted) onAbort();
  else run?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer);
      run?.removeEventListener('abort', onAbort);
    },
  };
}
