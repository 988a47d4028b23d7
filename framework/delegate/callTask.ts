import { type CallAllowList, refusal } from './allowList.js';
import type { Attempt } from './attempt.js';
import type { ApiKeys } from './auth.js';
import type { CallDeps } from './deps.js';
import type { CallOutcome, Governor } from './Governor.js';
import { httpAttempt } from './httpAttempt.js';
import { lambdaAttempt } from './lambdaAttempt.js';
import { parseTask } from './parseTask.js';
import { backoffMs, type ResolvedPolicy } from './policy.js';
import type { DelegateResult, DelegateTask } from './types.js';

/**
 * What every call of a run shares.
 *
 * @example
 * ```ts
 * const ctx: CallContext = { jobId: 'score-1', policy, governor, apiKeys: new ApiKeys(deps), deps };
 * ```
 */
export interface CallContext {
  /** The first part of every `Idempotency-Key` (`<jobId>-<index>`). */
  readonly jobId: string;
  readonly policy: ResolvedPolicy;
  readonly governor: Governor;
  readonly apiKeys: ApiKeys;
  readonly deps: CallDeps;
  readonly signal?: AbortSignal;
  /** What the run may call; a task outside it is a failed result, with no call. */
  readonly allow?: CallAllowList;
}

function outcome(attempt: Attempt): CallOutcome {
  if (attempt.throttled) return 'throttled';
  return attempt.status >= 200 && attempt.status < 500 ? 'ok' : 'neutral';
}

function attemptOnce(task: DelegateTask, idempotencyKey: string, ctx: CallContext): Promise<Attempt> {
  const common = { idempotencyKey, timeoutMs: ctx.policy.timeoutMs, deps: ctx.deps };
  const signal = ctx.signal === undefined ? {} : { signal: ctx.signal };
  return task.kind === 'http'
    ? httpAttempt(task, { ...common, ...signal, apiKeys: ctx.apiKeys })
    : lambdaAttempt(task, { ...common, ...signal });
}

/**
 * One task, called with the run's policy: the task is checked against the contract and the
 * run's allow list (a bad one is a failed result, `InvalidTaskError`, with no attempt), then attempted under the governor
 * until it succeeds, fails for good (another 4xx, a function error, bad auth) or has used its
 * retries. Between attempts it waits an exponential backoff with full jitter, and never less
 * than the service's `Retry-After`; a `Retry-After` longer than `maxDelayMs` ends the retries.
 * Every attempt carries the same `Idempotency-Key`, `<jobId>-<index>`.
 *
 * @example
 * ```ts
 * const result = await callTask(3, task, ctx); // { index: 3, ok, status, output, attempts, ms }
 * ```
 */
export async function callTask(index: number, task: unknown, ctx: CallContext): Promise<DelegateResult> {
  const checked = parseTask(task);
  const refused = checked.ok ? refusal(checked.task, ctx.allow) : undefined;
  if (!checked.ok || refused !== undefined) {
    const reason = checked.ok
      ? `Task ${index} is refused: ${refused}`
      : `Task ${index} is not a task: ${checked.reason}`;
    return {
      index,
      ok: false,
      status: 0,
      output: null,
      error: { name: 'InvalidTaskError', message: reason },
      attempts: 0,
      ms: 0,
    };
  }
  const idempotencyKey = `${ctx.jobId}-${index}`;
  const start = ctx.deps.now();
  for (let attempts = 1; ; attempts++) {
    const permit = await ctx.governor.acquire(ctx.signal);
    let attempt: Attempt;
    try {
      attempt = await attemptOnce(checked.task, idempotencyKey, ctx);
    } catch (error) {
      permit.release('neutral');
      throw error;
    }
    permit.release(outcome(attempt));
    const retry = !attempt.ok && attempt.retryable && attempts <= ctx.policy.retries;
    const wait = retry
      ? Math.max(backoffMs(attempts, ctx.policy, ctx.deps.random), attempt.retryAfterMs ?? 0)
      : 0;
    const tooLong = retry && wait > ctx.policy.maxDelayMs;
    if (!retry || tooLong) {
      const error =
        tooLong && attempt.error !== undefined
          ? {
              ...attempt.error,
              message: `${attempt.error.message}; not retried: Retry-After asks for ${Math.ceil(wait / 1000)} s, more than maxDelayMs (${ctx.policy.maxDelayMs} ms)`,
            }
          : attempt.error;
      return {
        index,
        ok: attempt.ok,
        status: attempt.status,
        output: attempt.output,
        ...(error !== undefined ? { error } : {}),
        attempts,
        ms: Math.round(ctx.deps.now() - start),
      };
    }
    await ctx.deps.sleep(wait, ctx.signal);
  }
}
