import { InvalidCallPolicyError } from './errors.js';
import type { CallPolicy } from './types.js';

/**
 * A {@link CallPolicy} with every default filled in.
 *
 * @example
 * ```ts
 * const policy: ResolvedPolicy = resolvePolicy({});
 * ```
 */
export type ResolvedPolicy = { readonly [K in keyof CallPolicy]-?: NonNullable<CallPolicy[K]> };

function check(name: string, value: number, min: number, integer: boolean): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new InvalidCallPolicyError(
      `Call policy ${name} is ${value}; it must be ${integer ? 'an integer' : 'a number'} of at least ${min}.`,
    );
  }
  return value;
}

function checkRateStart(value: string): 'burst' | 'paced' {
  if (value !== 'burst' && value !== 'paced') {
    throw new InvalidCallPolicyError(
      `Call policy rateStart is ${JSON.stringify(value)}; it must be 'burst' or 'paced'.`,
    );
  }
  return value;
}

/**
 * The policy with its defaults (30 s timeout, 3 retries, 64 in flight, no rate limit,
 * adaptive, backoff from 100 ms to 20 s), each field checked.
 *
 * @example
 * ```ts
 * resolvePolicy({ retries: 5 }).timeoutMs; // 30000
 * ```
 */
export function resolvePolicy(policy: CallPolicy = {}): ResolvedPolicy {
  return {
    timeoutMs: check('timeoutMs', policy.timeoutMs ?? 30_000, 1, false),
    retries: check('retries', policy.retries ?? 3, 0, true),
    concurrency: check('concurrency', policy.concurrency ?? 64, 1, true),
    ratePerSecond:
      policy.ratePerSecond === undefined
        ? Number.POSITIVE_INFINITY
        : check('ratePerSecond', policy.ratePerSecond, 0.001, false),
    rateStart: checkRateStart(policy.rateStart ?? 'burst'),
    adaptive: policy.adaptive ?? true,
    baseDelayMs: check('baseDelayMs', policy.baseDelayMs ?? 100, 0, false),
    maxDelayMs: check('maxDelayMs', policy.maxDelayMs ?? 20_000, 0, false),
  };
}

/**
 * Exponential backoff with full jitter: a uniform wait in [0, min(max, base·2^(retry−1))).
 *
 * @example
 * ```ts
 * backoffMs(3, resolvePolicy(), Math.random); // somewhere in [0, 400)
 * ```
 */
export function backoffMs(retry: number, policy: ResolvedPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return random() * ceiling;
}

/**
 * A `Retry-After` header as a wait in ms: delay-seconds, or an HTTP date against `wallClock`
 * (a date in the past is 0); `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * retryAfterMs('2', Date.now()); // 2000
 * retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT', Date.now());
 * ```
 */
export function retryAfterMs(header: string | null | undefined, wallClock: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date) || !/[a-z]/i.test(value)) return undefined;
  return Math.max(0, date - wallClock);
}

/**
 * HTTP statuses that are retried: 429 and every 5xx. Other 4xx are the caller's mistake and
 * would fail again.
 *
 * @example
 * ```ts
 * retryableStatus(503); // true
 * retryableStatus(400); // false
 * ```
 */
export function retryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * Statuses that say the service is overloaded: the adaptive limit comes down on them.
 *
 * @example
 * ```ts
 * throttlingStatus(429); // true
 * ```
 */
export function throttlingStatus(status: number): boolean {
  return status === 429 || status === 503;
}
