import { setTimeout as delay } from 'node:timers/promises';

/**
 * How often and how patiently a store retries a failed request: exponential backoff with full
 * jitter, the delay before attempt `n + 1` being uniform in `[0, min(capMs, baseMs * 2^(n-1)))`.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { maxAttempts: 8, baseMs: 100, capMs: 10_000 };
 * ```
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 means no retries. @default 8 */
  readonly maxAttempts: number;
  /** The backoff's first ceiling, in milliseconds. @default 100 */
  readonly baseMs: number;
  /** The largest delay between two attempts, in milliseconds. @default 10000 */
  readonly capMs: number;
}

/**
 * The side effects of retrying, injectable so tests drive time and chance.
 *
 * @example
 * ```ts
 * const deps: RetryDeps = { sleep: async () => {}, random: () => 0.5 };
 * ```
 */
export interface RetryDeps {
  /** Waits `ms` milliseconds. @default timers/promises setTimeout */
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in `[0, 1)`. @default Math.random */
  readonly random: () => number;
}

/**
 * One retry about to happen, for logs and metrics.
 *
 * @example
 * ```ts
 * const onRetry = (event: RetryEvent) => logger.warn('S3 retry', { ...event });
 * ```
 */
export interface RetryEvent {
  /** The S3 operation, such as `GetObject`. */
  readonly operation: string;
  /** The object or prefix, as an `s3://` URI. */
  readonly location: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** How long the store waits before the next attempt. */
  readonly delayMs: number;
  readonly error: unknown;
}

/**
 * The default {@link RetryPolicy}: 8 attempts, at most about 13 s of backoff (6 s expected).
 *
 * @example
 * ```ts
 * const patient: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 12 };
 * ```
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseMs: 100, capMs: 10_000 };

/**
 * The default {@link RetryDeps}: real time and `Math.random`.
 *
 * @example
 * ```ts
 * const deps: RetryDeps = { ...DEFAULT_RETRY_DEPS, random: () => 1 }; // always the full delay
 * ```
 */
export const DEFAULT_RETRY_DEPS: RetryDeps = { sleep: (ms) => delay(ms), random: Math.random };

/**
 * The delay before the attempt after failed attempt `attempt` (from 1): full jitter, capped.
 *
 * @example
 * ```ts
 * backoffMs(3, DEFAULT_RETRY_POLICY, () => 0.5); // 0.5 * min(10000, 100 * 4) = 200
 * ```
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  return random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
}

/**
 * Runs `call` until it succeeds, fails with an error `isRetryable` rejects, or has failed
 * `policy.maxAttempts` times; then rejects with `giveUp(lastError, attempts)`.
 *
 * @example
 * ```ts
 * const body = await withRetry(() => fetchIt(), {
 *   policy: DEFAULT_RETRY_POLICY, deps: DEFAULT_RETRY_DEPS, isRetryable: () => true,
 *   onRetry: (attempt, delayMs, error) => console.warn(attempt, delayMs, error),
 *   giveUp: (error) => error,
 * });
 * ```
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  options: {
    readonly policy: RetryPolicy;
    readonly deps: RetryDeps;
    readonly isRetryable: (error: unknown) => boolean;
    readonly onRetry: (attempt: number, delayMs: number, error: unknown) => void;
    readonly giveUp: (error: unknown, attempts: number) => unknown;
  },
): Promise<T> {
  const { policy, deps } = options;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !options.isRetryable(error)) throw options.giveUp(error, attempt);
      const delayMs = backoffMs(attempt, policy, deps.random);
      options.onRetry(attempt, delayMs, error);
      await deps.sleep(delayMs);
    }
  }
}
