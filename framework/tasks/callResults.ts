import { delegateResultSchema } from '../contract/delegate.js';
import type { DelegateStatsData } from '../contract/persisted.js';
import type { CallPolicy, DelegateResult } from '../delegate/types.js';
import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import type { JobPlan } from './payloads.js';

/**
 * The delegate stage of a plan.
 *
 * @example
 * ```ts
 * const stage: DelegatePlan | undefined = plan.delegate;
 * ```
 */
export type DelegatePlan = NonNullable<JobPlan['delegate']>;

/**
 * The policy of one delegate task: the job's limits divided evenly among the tasks that run at
 * once, so that together they never pass them. Each batch's calls get a fresh governor, which
 * starts paced (its token bucket one burst short of empty): a batch that starts as the one
 * before it on the same slot ends then cannot add its burst to the last second of the earlier
 * batch's calls, so each task runs at its whole share and the job at its whole `--rate`, at
 * the cost of 1/20 s and one call's time at the start of each batch.
 *
 * @example
 * ```ts
 * taskPolicy({ concurrency: 64, tasks: 2, ratePerSecond: 100, ... }); // { concurrency: 32, ratePerSecond: 50, rateStart: 'paced', ... }
 * ```
 */
export function taskPolicy(stage: DelegatePlan): CallPolicy {
  return {
    timeoutMs: stage.timeoutMs,
    retries: stage.retries,
    concurrency: Math.max(1, Math.floor(stage.concurrency / stage.tasks)),
    ...(stage.ratePerSecond ? { ratePerSecond: stage.ratePerSecond / stage.tasks, rateStart: 'paced' } : {}),
  };
}

/**
 * A result as the output holds it: every field, in one order, `error` null when the call
 * succeeded.
 *
 * @example
 * ```ts
 * resultRecord({ index: 0, ok: true, status: 200, output: 1, attempts: 1, ms: 12 });
 * // { index: 0, ok: true, status: 200, output: 1, error: null, attempts: 1, ms: 12 }
 * ```
 */
export function resultRecord(r: DelegateResult): Record<string, unknown> {
  const error = r.error ? { name: r.error.name, message: r.error.message } : null;
  return {
    index: r.index,
    ok: r.ok,
    status: r.status,
    output: r.output,
    error,
    attempts: r.attempts,
    ms: r.ms,
  };
}

/**
 * A latency as the histogram keeps it: whole ms up to 100, then 2 significant digits.
 *
 * @example
 * ```ts
 * latencyBucket(12.4); // 12
 * latencyBucket(1234); // 1200
 * ```
 */
export function latencyBucket(ms: number): number {
  const whole = Math.max(0, Math.round(ms));
  if (whole < 100) return whole;
  const unit = 10 ** (String(whole).length - 2);
  return Math.round(whole / unit) * unit;
}

/**
 * What a delegate task's calls did: `made` are the calls it made (a redrive makes only the
 * failed ones again), `throttles` the 429 and 503 answers they got, `results` the batch's
 * results as it publishes them.
 *
 * @example
 * ```ts
 * const stats = delegateStats(made, 0, results);
 * ```
 */
export function delegateStats(
  made: readonly DelegateResult[],
  throttles: number,
  results: readonly DelegateResult[],
): DelegateStatsData {
  const latency = new Map<number, number>();
  let retries = 0;
  for (const r of made) {
    retries += Math.max(0, r.attempts - 1);
    const bucket = latencyBucket(r.ms);
    latency.set(bucket, (latency.get(bucket) ?? 0) + 1);
  }
  const ok = results.filter((r) => r.ok).length;
  return {
    calls: made.length,
    ok,
    failed: results.length - ok,
    retries,
    throttles,
    latency: [...latency].sort((a, b) => a[0] - b[0]),
  };
}

/**
 * Merges the histograms of the delegate tasks into percentiles (ms, of the bucket the
 * percentile falls in).
 *
 * @example
 * ```ts
 * percentiles([[[10, 99], [500, 1]]]); // { p50: 10, p95: 10, p99: 10 }
 * ```
 */
export function percentiles(histograms: readonly (readonly (readonly [number, number])[])[]): {
  p50: number;
  p95: number;
  p99: number;
} {
  const merged = new Map<number, number>();
  for (const h of histograms) for (const [ms, n] of h) merged.set(ms, (merged.get(ms) ?? 0) + n);
  const sorted = [...merged].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  const at = (q: number) => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [ms, n] of sorted) {
      seen += n;
      if (seen >= rank) return ms;
    }
    return 0;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/**
 * The results a delegate task of the job being redriven wrote for the same batch, by index.
 * Each line is checked: an object changed since would not give the clean run's result.
 *
 * @example
 * ```ts
 * const earlier = await readCallResults(work, workKeys.callResults(plan.redrive, first), items);
 * ```
 */
export async function readCallResults(
  work: Store,
  key: string,
  items: readonly { readonly index: number }[],
): Promise<Map<number, DelegateResult>> {
  const where = `${work.url}${key}`;
  const text = (await work.get(key)).toString('utf8');
  const wanted = new Set(items.map((i) => i.index));
  const out = new Map<number, DelegateResult>();
  for (const [n, line] of text.split('\n').entries()) {
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new TaskInputError(`${where} line ${n + 1} is not JSON; run the job again`);
    }
    // The output holds `error: null` for a call that succeeded; the contract leaves it out.
    const { error, ...rest } = (raw ?? {}) as { error?: unknown };
    const parsed = delegateResultSchema.safeParse(error === null ? rest : raw);
    if (!parsed.success || !wanted.has(parsed.data.index)) {
      throw new TaskInputError(`${where} line ${n + 1} is not a result of this batch; run the job again`);
    }
    out.set(parsed.data.index, parsed.data);
  }
  if (out.size !== wanted.size) {
    throw new TaskInputError(
      `${where} holds ${out.size} results, the batch has ${wanted.size} calls; run the job again`,
    );
  }
  return out;
}
