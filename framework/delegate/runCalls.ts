import { randomUUID } from 'node:crypto';
import { callUrl } from '../contract/delegate.js';
import { JOB_ID } from '../contract/names.js';
import type { CallAllowList } from './allowList.js';
import { ApiKeys } from './auth.js';
import { type CallContext, callTask } from './callTask.js';
import { type CallDeps, callDeps } from './deps.js';
import { InvalidCallPolicyError } from './errors.js';
import { Governor, type GovernorStats } from './Governor.js';
import { resolvePolicy } from './policy.js';
import type { CallPolicy, DelegateResult, DelegateTask } from './types.js';

/**
 * A task with its position in the whole input (which names its `Idempotency-Key`).
 *
 * @example
 * ```ts
 * const item: CallItem = { index: 40, task: lambda('enrich').invoke({ id: 40 }) };
 * ```
 */
export interface CallItem {
  readonly index: number;
  /** A task as received: it is checked against the contract before any call. */
  readonly task: unknown;
}

/**
 * Options of a run of calls: the policy, the job id of the idempotency keys, a signal.
 *
 * @example
 * ```ts
 * const options: RunCallsOptions = { jobId: 'score-1', concurrency: 32, ratePerSecond: 100 };
 * ```
 */
export interface RunCallsOptions extends CallPolicy {
  /** Every call's `Idempotency-Key` is `<jobId>-<index>`. Letters, digits, '-' and '_', up to 80. */
  readonly jobId: string;
  /** Aborting it stops the run: calls in flight are aborted and the run rejects with its reason. */
  readonly signal?: AbortSignal;
  /** What the run may call (origins, Lambda functions); a task outside it fails without a call. */
  readonly allow?: CallAllowList;
}

/**
 * Calls that share one governor (limits and adaptive concurrency) and one API key cache.
 *
 * @example
 * ```ts
 * const calls: CallRun = createCallRun({ jobId: 'score-1' });
 * for (const batch of batches) await calls.run(batch);
 * ```
 */
export interface CallRun {
  /** Calls `items` and gives one result per item, in the items' order. */
  run(items: readonly CallItem[]): Promise<DelegateResult[]>;
  stats(): GovernorStats;
}

/**
 * A run of calls: batches given to `run` share its governor, so the limits hold across them
 * and the adaptive limit learnt on one batch carries to the next.
 *
 * @example
 * ```ts
 * const calls = createCallRun({ jobId: 'score-1', concurrency: 32 });
 * const first = await calls.run([{ index: 0, task }, { index: 1, task: other }]);
 * ```
 */
export function createCallRun(options: RunCallsOptions, overrides: Partial<CallDeps> = {}): CallRun {
  if (!JOB_ID.test(options.jobId)) {
    throw new InvalidCallPolicyError(
      `jobId ${JSON.stringify(options.jobId)} cannot name idempotency keys: use letters, digits, '-' and '_' (1 to 80).`,
    );
  }
  for (const origin of options.allow?.origins ?? []) {
    if (!callUrl.safeParse(origin).success) {
      throw new InvalidCallPolicyError(
        `allow.origins holds ${JSON.stringify(origin)}, which is not an http(s) origin (for example 'https://api.example.com').`,
      );
    }
  }
  const deps = callDeps(overrides);
  const policy = resolvePolicy(options);
  const governor = new Governor(policy, deps);
  const ctx: CallContext = {
    jobId: options.jobId,
    policy,
    governor,
    apiKeys: new ApiKeys(deps),
    deps,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.allow !== undefined ? { allow: options.allow } : {}),
  };
  return {
    async run(items) {
      const seen = new Set<number>();
      for (const item of items) {
        if (!Number.isSafeInteger(item.index) || item.index < 0) {
          throw new InvalidCallPolicyError(
            `Call item index ${item.index} must be a whole number of at least 0.`,
          );
        }
        if (seen.has(item.index)) {
          throw new InvalidCallPolicyError(
            `Call item index ${item.index} appears twice in one batch: each task needs its own index (it names its Idempotency-Key).`,
          );
        }
        seen.add(item.index);
      }
      const results = new Array<DelegateResult>(items.length);
      let next = 0;
      // Workers pull the next item; twice the ceiling, so calls waiting out a backoff do not
      // hold the governor's slots idle.
      const worker = async () => {
        while (next < items.length) {
          const i = next++;
          const item = items[i] as CallItem;
          results[i] = await callTask(item.index, item.task, ctx);
        }
      };
      const workers = Math.min(items.length, policy.concurrency * 2);
      await Promise.all(Array.from({ length: workers }, worker));
      return results;
    },
    stats: () => governor.stats(),
  };
}

/**
 * Calls a list of items with one shared governor, for a stage that runs a batch at a time.
 *
 * @example
 * ```ts
 * const results = await runCalls([{ index: 40, task }], { jobId: 'score-1' });
 * ```
 */
export async function runCalls(
  items: readonly CallItem[],
  options: RunCallsOptions,
  deps: Partial<CallDeps> = {},
): Promise<DelegateResult[]> {
  return createCallRun(options, deps).run(items);
}

/**
 * Options of {@link delegate}: the call policy, a job id and a signal.
 *
 * @example
 * ```ts
 * await delegate(tasks, { jobId: 'nightly-2026-12-02', retries: 5, timeoutMs: 10_000 });
 * ```
 */
export interface DelegateOptions extends CallPolicy {
  /** Names the idempotency keys (`<jobId>-<index>`); give the same one to a re-run of the same work. @default a new random id */
  readonly jobId?: string;
  readonly signal?: AbortSignal;
  /**
   * Where the calls run: from this process; as the built-in delegate job in the embedded engine
   * (`'embedded'`, for a large list: calls in batches, kept on disk); or as that job on the
   * deployed stack (`'stack'`), whose delegate function makes them, only to the APIs and functions
   * `stepmr.config.ts` `delegates` allows. A job takes `timeoutMs`, `retries`, `concurrency` and
   * `ratePerSecond` of the policy. @default 'process'
   */
  readonly on?: 'process' | 'embedded' | 'stack';
  /** With `on: 'stack'`: the deployed stack. @default $STEPMR_STACK, else 'stepmr-dev' */
  readonly stack?: string;
  /** With `on: 'embedded'` or `'stack'`: calls per delegate task. @default 100 */
  readonly callsPerTask?: number;
  /** With `on: 'embedded'`: worker threads. @default the number of cores */
  readonly threads?: number;
}

/**
 * Calls every task and gives exactly one result per task, in input order: from this process,
 * or, with `on`, as a delegate job in the embedded engine or on the deployed stack. A failed
 * call is a result (`ok: false`), not an exception; the run rejects only on bad options, an
 * aborted signal, or (with `on`) a job that could not run.
 *
 * @example
 * ```ts
 * const scoring = gateway('https://abc123.execute-api.us-east-1.amazonaws.com/prod', { auth: 'iam' });
 * const results = await delegate(applicants.map((a) => scoring.resource('/score').post(a)), { concurrency: 32 });
 * const failed = results.filter((r) => !r.ok);
 * ```
 */
export async function delegate(
  tasks: readonly DelegateTask[],
  options: DelegateOptions = {},
  deps: Partial<CallDeps> = {},
): Promise<DelegateResult[]> {
  const jobId = options.jobId ?? `delegate-${randomUUID()}`;
  if (options.on === 'embedded' || options.on === 'stack') {
    if (!JOB_ID.test(jobId)) {
      throw new InvalidCallPolicyError(
        `jobId ${JSON.stringify(jobId)} cannot name a job: use letters, digits, '-' and '_' (1 to 80).`,
      );
    }
    const run = await import('./delegateJobRun.js');
    return options.on === 'stack'
      ? run.delegateOnStack(tasks, options, jobId)
      : run.delegateEmbedded(tasks, options, jobId);
  }
  return runCalls(
    tasks.map((task, index) => ({ index, task })),
    { ...options, jobId },
    deps,
  );
}
