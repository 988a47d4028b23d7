import type { Catcher, Retrier } from './asl.js';

/** Errors no wildcard matches: `States.ALL` "can't catch" them (concepts-error-handling.html). */
const TERMINAL = new Set(['States.DataLimitExceeded', 'States.Runtime']);
const TIMEOUTS = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/**
 * Whether an error name matches an `ErrorEquals` list. `States.ALL` matches every error except
 * the terminal `States.DataLimitExceeded` and `States.Runtime`; `States.TaskFailed` matches
 * every error except those and `States.Timeout`; `States.Runtime` never matches, even by name.
 *
 * @example
 * ```ts
 * errorMatches(['States.TaskFailed'], 'Lambda.Unknown'); // true
 * ```
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (error === 'States.Runtime') return false;
  for (const name of errorEquals) {
    if (name === error) return true;
    if (TERMINAL.has(error)) continue;
    if (name === 'States.ALL') return true;
    if (name === 'States.TaskFailed' && !TIMEOUTS.has(error)) return true;
  }
  return false;
}

/**
 * The first catcher whose `ErrorEquals` matches.
 *
 * @example
 * ```ts
 * findCatcher([{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }], 'Oops')?.Next; // 'Fallback'
 * ```
 */
export function findCatcher(catchers: readonly Catcher[] | undefined, error: string): Catcher | undefined {
  return catchers?.find((c) => errorMatches(c.ErrorEquals, error));
}

/**
 * The wait before retry number `attempt` (1-based) of a retrier, in milliseconds:
 * `IntervalSeconds × BackoffRate^(attempt-1)`, capped at `MaxDelaySeconds`, and with
 * `JitterStrategy: FULL` a uniform random value in `[0, delay]`.
 *
 * @example
 * ```ts
 * retryDelayMs({ ErrorEquals: ['X'], IntervalSeconds: 2 }, 3, Math.random); // 8000
 * ```
 */
export function retryDelayMs(retrier: Retrier, attempt: number, random: () => number): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  let seconds = interval * rate ** (attempt - 1);
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') seconds *= random();
  return Math.round(seconds * 1000);
}

/**
 * The retry bookkeeping of one visit to a state. As the States Language spec and the AWS guide
 * define it (concepts-error-handling, "Complex retry scenarios"): `MaxAttempts` limits the
 * retries of each error name within a retrier, while the backoff grows with every use of the
 * retrier. With errors A, B, C, B, B and retriers `[A, B] (1 s × 2, MaxAttempts 2)`, `[C] (5 s)`
 * the waits are 1, 2, 5 and 4 s, and the fifth error is not retried.
 *
 * @example
 * ```ts
 * const policy = new RetryPolicy(state.Retry);
 * const wait = policy.next('Lambda.ServiceException', Math.random); // or undefined: give up
 * ```
 */
export class RetryPolicy {
  private readonly uses: number[];
  private readonly perError: Map<string, number>[];

  constructor(private readonly retriers: readonly Retrier[] = []) {
    this.uses = retriers.map(() => 0);
    this.perError = retriers.map(() => new Map());
  }

  /** Total retries so far (the context object's `State.RetryCount`). */
  get retryCount(): number {
    return this.uses.reduce((a, b) => a + b, 0);
  }

  /**
   * The delay before the next attempt, or undefined when the first matching retrier has no
   * retries left for this error (or none matches) and normal error handling resumes.
   */
  next(error: string, random: () => number): { delayMs: number; attempt: number } | undefined {
    const index = this.retriers.findIndex((r) => errorMatches(r.ErrorEquals, error));
    if (index < 0) return undefined;
    const retrier = this.retriers[index] as Retrier;
    const counts = this.perError[index] as Map<string, number>;
    const used = counts.get(error) ?? 0;
    if (used >= (retrier.MaxAttempts ?? 3)) return undefined;
    counts.set(error, used + 1);
    const attempt = (this.uses[index] as number) + 1;
    this.uses[index] = attempt;
    return { delayMs: retryDelayMs(retrier, attempt, random), attempt };
  }
}
