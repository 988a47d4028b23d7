import type { JobPlanData } from '../contract/persisted.js';
import type { Job } from './defineJob.js';
import type { OutputFormat } from './types.js';

/** Options of one run; any left out comes from the job's own `options`, then the defaults. */
export interface RunOptions {
  /** Reduce partitions (output parts). @default 4 */
  readonly reducers?: number;
  /** Bytes per split. @default 32 MiB */
  readonly splitSize?: number;
  /** Map-side memory before spilling sorted runs to disk, bytes. @default 256 MiB */
  readonly memoryBudget?: number;
  /** Longest record accepted, bytes. @default 8 MiB */
  readonly maxRecordBytes?: number;
  /** Output format; overrides the job's. @default the job's, else JSON Lines */
  readonly format?: OutputFormat['kind'];
  /** Map tasks allowed to fail; their splits are listed in `_SUCCESS`. @default none */
  readonly tolerate?: Tolerance;
  /** What a malformed record does: fail the job, or be skipped, counted and sampled. @default 'fail' */
  readonly badRecords?: 'fail' | 'skip';
  /** With `badRecords: 'skip'`, the most bad records a job may skip before it fails. @default 1000 */
  readonly maxBadRecords?: number;
  /** Delegate jobs: time allowed to one attempt of a call, ms. @default 30000 */
  readonly callTimeoutMs?: number;
  /** Delegate jobs: retries of a call after its first attempt (429, 5xx, timeouts, resets). @default 3 */
  readonly callRetries?: number;
  /** Delegate jobs: calls in flight at once, for the whole job. @default 64 */
  readonly concurrency?: number;
  /** Delegate jobs: calls started per second, for the whole job. @default unlimited */
  readonly ratePerSecond?: number;
  /** Delegate jobs: failed calls allowed before the job fails, publishing nothing. @default none */
  readonly maxFailed?: Tolerance;
  /** Delegate jobs: calls per delegate task. @default 100 */
  readonly callsPerTask?: number;
}

/** Calls in flight one delegate task makes at most, by default: the job's limit sets how many run at once. */
const CALLS_IN_FLIGHT_PER_TASK = 32;

/**
 * The delegate stage of a run's plan (undefined for a job that does not delegate): the run's
 * options over the job's own `calls` (a stream's) over the defaults. The job's limits are divided among `tasks` delegate tasks.
 *
 * @example
 * ```ts
 * resolveDelegate(job, { concurrency: 128, maxFailed: { percent: 1 } })?.tasks; // 4
 * ```
 */
export function resolveDelegate(job: Job, run: RunOptions): JobPlanData['delegate'] {
  if (!job.delegate) return undefined;
  const own = job.delegate.calls ?? {};
  const concurrency = run.concurrency ?? own.concurrency ?? 64;
  const ratePerSecond = run.ratePerSecond ?? own.ratePerSecond;
  return {
    output: job.delegate.output,
    timeoutMs: run.callTimeoutMs ?? own.callTimeoutMs ?? 30_000,
    retries: run.callRetries ?? own.callRetries ?? 3,
    concurrency,
    ...(ratePerSecond ? { ratePerSecond } : {}),
    tasks: Math.max(1, Math.ceil(concurrency / CALLS_IN_FLIGHT_PER_TASK)),
    callsPerTask: run.callsPerTask ?? own.callsPerTask ?? 100,
    maxFailed: run.maxFailed ?? own.maxFailed ?? { count: 0 },
  };
}

/** The defaults, measured on a 2-core machine (see bench/). */
export const DEFAULTS = {
  reducers: 4,
  splitSize: 32 * 1024 * 1024,
  memoryBudget: 256 * 1024 * 1024,
  maxRecordBytes: 8 * 1024 * 1024,
} as const;

/** The options of one run, resolved: run options over job options over defaults. */
export interface ResolvedOptions {
  readonly reducers: number;
  readonly splitSize: number;
  readonly memoryBudget: number;
  readonly maxRecordBytes: number;
  readonly outputFormat: OutputFormat;
  readonly badRecords: BadRecordPolicy;
}

/** How a job treats malformed records: `max` is the most it may skip (0 when failing). */
export interface BadRecordPolicy {
  readonly policy: 'fail' | 'skip';
  readonly max: number;
}

/**
 * Resolves a run's options against the job's and the defaults.
 *
 * @example
 * ```ts
 * const { reducers } = resolveOptions(job, { reducers: 8 });
 * ```
 */
export function resolveOptions(job: Job, run: RunOptions): ResolvedOptions {
  const o = job.options ?? {};
  const pick = (k: keyof typeof DEFAULTS) => run[k] ?? o[k] ?? DEFAULTS[k];
  const output = job.output ?? { kind: 'jsonl' as const };
  return {
    reducers: pick('reducers'),
    splitSize: pick('splitSize'),
    memoryBudget: pick('memoryBudget'),
    maxRecordBytes: pick('maxRecordBytes'),
    outputFormat: run.format && run.format !== output.kind ? { kind: run.format } : output,
    badRecords:
      run.badRecords === 'skip'
        ? { policy: 'skip', max: run.maxBadRecords ?? 1000 }
        : { policy: 'fail', max: 0 },
  };
}

/** Map tasks allowed to fail while the job still succeeds: a percentage of them, or a count. */
export type Tolerance = { readonly percent: number } | { readonly count: number };

/**
 * Reads `--tolerate`: `5%` (a percentage of map tasks, 0–100) or `3` (a number of map tasks).
 * Returns undefined for text that is neither.
 *
 * @example
 * ```ts
 * parseTolerance('2.5%'); // { percent: 2.5 }
 * parseTolerance('3');    // { count: 3 }
 * ```
 */
export function parseTolerance(text: string): Tolerance | undefined {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === '%') return n <= 100 ? { percent: n } : undefined;
  return Number.isSafeInteger(n) ? { count: n } : undefined;
}
