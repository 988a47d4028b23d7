import * as z from 'zod';
import { JOB_ID } from './names.js';

const count = z.number().int().nonnegative();
const jobId = z.string().regex(JOB_ID, 'must be a job id');

const badRecords = z.object({
  count,
  samples: z
    .array(z.object({ uri: z.string(), offset: count, line: count.optional(), reason: z.string() }))
    .readonly(),
});

/**
 * A split of `splits.jsonl` and of a map task's batch.
 *
 * @example
 * ```ts
 * splitSchema.parse({ id: 0, uri: 's3://data/in/a.txt', start: 0, end: 100, size: 100 });
 * ```
 */
export const splitSchema = z.object({
  id: count,
  uri: z.string().regex(/^(file|s3):\/\//, 'must be a file:// or s3:// URI'),
  start: count,
  end: count,
  size: count,
  compression: z.literal('gzip').exactOptional(),
});

/**
 * `job.json`, version 1: everything the tasks need to know about one run, written by the
 * planner and read back by every task.
 *
 * @example
 * ```ts
 * const plan = jobPlanSchema.parse(JSON.parse(text));
 * ```
 */
export const jobPlanSchema = z.object({
  version: z.literal(1),
  jobId,
  createdAt: z.string(),
  job: z.object({ name: z.string().min(1), module: z.string().min(1) }),
  inputs: z.array(z.string()).readonly(),
  output: z.string().regex(/^(file|s3):\/\//, 'must be a file:// or s3:// URI'),
  input: z.object({
    kind: z.enum(['lines', 'jsonl', 'csv']),
    delimiter: z.string().exactOptional(),
  }),
  outputFormat: z.object({ kind: z.enum(['jsonl', 'csv', 'text']), delimiter: z.string().exactOptional() }),
  reducers: count,
  splits: count,
  splitSize: z.number().int().positive(),
  inputBytes: count,
  memoryBudget: z.number().int().positive(),
  maxRecordBytes: z.number().int().positive(),
  badRecords: z.object({ policy: z.enum(['fail', 'skip']), max: count }),
  overwrite: z.boolean(),
  redrive: z.object({ jobId, prefix: z.string() }).exactOptional(),
  delegate: delegatePlanSchema().exactOptional(),
  /**
   * A windowed stream batch: the window size and the watermark it runs with (absent before any
   * event time was seen). Its map tasks drop late records; its reducers publish the windows the
   * watermark closed and keep the others as state (see `framework/stream/window.ts`).
   */
  window: z
    .object({ sizeMs: z.number().int().positive(), watermark: z.number().exactOptional() })
    .exactOptional(),
  /**
   * A stream batch's previous state (an update-mode snapshot, a windowed stream's open
   * windows): the folder of its parts, one per partition of the same partitioner and reducer
   * count, which reduce task p merges with partition p's new values.
   */
  state: z.object({ uri: z.string().regex(/^(file|s3):\/\/.*\/$/, 'must be a folder URI') }).exactOptional(),
});

/** How a delegate job's calls run: the job-wide limits and the failures it may publish with. */
function delegatePlanSchema() {
  const positive = z.number().int().positive();
  return z.object({
    /** `results`: publish the result dataset; `map`: the results feed the job's map. */
    output: z.enum(['results', 'map']),
    timeoutMs: positive,
    retries: count,
    /** Calls in flight at once, for the whole job. */
    concurrency: positive,
    /** Calls started per second, for the whole job. */
    ratePerSecond: z.number().positive().exactOptional(),
    /** Delegate tasks running at once; the limits are divided evenly among them. */
    tasks: positive,
    callsPerTask: positive,
    maxFailed: z.union([z.object({ count }), z.object({ percent: z.number().min(0).max(100) })]),
    /** A redrive: run again only the calls that failed in the job it redrives. */
    redrive: z.boolean().exactOptional(),
    /** A redrive: the job whose id names the calls' idempotency keys (the first run's). */
    keysOf: jobId.exactOptional(),
  });
}

const stagedPart = z.object({
  part: count,
  key: z.string().min(1),
  records: count,
  bytes: count,
  sha256: z.string(),
  /** Of a reduce partition: the records and shuffle bytes it read (its skew, in the report). */
  recordsIn: count.exactOptional(),
  bytesIn: count.exactOptional(),
});

/**
 * What the calls of one delegate task did: counts, and a latency histogram of `[ms, calls]`
 * pairs (ms rounded to 2 significant digits past 100), which the commit merges into percentiles.
 *
 * @example
 * ```ts
 * delegateStatsSchema.parse({ calls: 2, ok: 1, failed: 1, retries: 3, throttles: 2, latency: [[12, 2]] });
 * ```
 */
export const delegateStatsSchema = z.object({
  calls: count,
  ok: count,
  failed: count,
  retries: count,
  throttles: count,
  latency: z.array(z.tuple([count, count])).readonly(),
});

/**
 * The S3 requests a task sent, by kind, and the bytes they moved (counted by the store layer;
 * optional everywhere it appears, so results and manifests written before it still parse).
 *
 * @example
 * ```ts
 * requestCountsSchema.parse({ list: 0, get: 2, rangedGet: 4, put: 1, copy: 0, delete: 0, head: 2, bytesRead: 100, bytesWritten: 50 });
 * ```
 */
export const requestCountsSchema = z.object({
  list: count,
  get: count,
  rangedGet: count,
  put: count,
  copy: count,
  delete: count,
  head: count,
  bytesRead: count,
  bytesWritten: count,
});

/**
 * What a task counted of itself: its requests, the memory it ran with (MB), when it started
 * (epoch ms), what ran it (a Lambda log stream, a worker thread) and its attempt (0 for the
 * first; Step Functions' `$$.State.RetryCount`), each if known.
 */
const usage = {
  requests: requestCountsSchema.exactOptional(),
  memoryMb: count.exactOptional(),
  startedAt: z.number().nonnegative().exactOptional(),
  executor: z.string().max(512).exactOptional(),
  attempt: count.exactOptional(),
};

const position = z.object({ uri: z.string(), offset: count, line: count.optional() });

/**
 * Event times a windowed stream batch saw: the latest, and the late records (their window was
 * closed by the watermark) it counted and dropped, with a few of their positions.
 *
 * @example
 * ```ts
 * eventTimeSchema.parse({ max: 1700000000000, late: 1, samples: [{ uri: 'file:///in/a.jsonl', offset: 0, line: 1 }] });
 * ```
 */
export const eventTimeSchema = z.object({
  max: z.number().exactOptional(),
  late: count,
  samples: z.array(position).readonly(),
});

/**
 * What a map task returns (a Map Run result, and an entry of `kept.json`).
 *
 * @example
 * ```ts
 * const result = mapTaskResultSchema.parse(JSON.parse(entry.Output));
 * ```
 */
export const mapTaskResultSchema = z.object({
  splits: z.array(count).readonly(),
  shuffle: z.object({ key: z.string().min(1), bytes: count }).exactOptional(),
  part: stagedPart.exactOptional(),
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  spills: count,
  badRecords: badRecords.exactOptional(),
  /** A delegate job's map task: the tasks its records became, one JSON line each, in input order. */
  tasks: z.object({ key: z.string().min(1), count }).exactOptional(),
  /** A delegate task: what its calls did. */
  delegate: delegateStatsSchema.exactOptional(),
  eventTime: eventTimeSchema.exactOptional(),
  ms: z.number().nonnegative(),
  ...usage,
});

/**
 * What a reduce task returns (a Map Run result of the reduce stage).
 *
 * @example
 * ```ts
 * const result = reduceTaskResultSchema.parse(JSON.parse(entry.Output));
 * ```
 */
export const reduceTaskResultSchema = z.object({
  parts: z.array(stagedPart).readonly(),
  recordsIn: count,
  bytesIn: count,
  ms: z.number().nonnegative(),
  ...usage,
});

/**
 * `kept.json`, version 1: what a job that committed with tolerated map failures keeps for a
 * redrive.
 *
 * @example
 * ```ts
 * const kept = keptSchema.parse(JSON.parse(text));
 * ```
 */
export const keptSchema = z.object({
  version: z.literal(1),
  jobId,
  succeeded: z.array(mapTaskResultSchema).readonly(),
  failed: z.array(z.array(splitSchema)).readonly(),
  prefixes: z.array(z.string()).min(1).readonly(),
});

const stageStats = z.object({
  tasks: count,
  failedTasks: count,
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  spills: count,
  taskMs: z.number().nonnegative(),
  wallMs: z.number().nonnegative(),
  /** The S3 requests the stage's tasks counted (absent when a task did not count). */
  requests: requestCountsSchema.exactOptional(),
  /** Lambda GB-seconds: each task's time × its memory (the stack's, 2048 MB, when not reported). */
  gbSeconds: z.number().nonnegative().exactOptional(),
  /** The stage's first task start and last task stop, epoch ms (absent when it had no task). */
  startedAt: z.number().nonnegative().exactOptional(),
  stoppedAt: z.number().nonnegative().exactOptional(),
});

/**
 * One task attempt of a stage as `_SUCCESS` keeps it (for `stepmr report`): when and where it
 * ran, what it read and wrote; a failed one with its error. `retries` attempts failed before a
 * succeeded one, from `queuedAt` (its child execution's start) on.
 *
 * @example
 * ```ts
 * taskRowSchema.parse({ stage: 'map', id: 0, items: 1, status: 'succeeded', startedAt: 1, stoppedAt: 9, recordsIn: 3, recordsOut: 5, bytesIn: 20, bytesOut: 40 });
 * ```
 */
export const taskRowSchema = z.object({
  stage: z.enum(['map', 'reduce']),
  /** The task's first split (map) or partition (reduce). */
  id: count,
  /** Splits or partitions it took. */
  items: count,
  status: z.enum(['succeeded', 'failed']),
  startedAt: z.number().nonnegative(),
  stoppedAt: z.number().nonnegative(),
  queuedAt: z.number().nonnegative().exactOptional(),
  executor: z.string().exactOptional(),
  retries: count.exactOptional(),
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  bytesOut: count,
  error: z.string().exactOptional(),
});

/**
 * A part name as the commit makes them, in one of the output formats: `part-00003.jsonl`.
 *
 * @example
 * ```ts
 * PART_NAME.test('part-00003.csv'); // true
 * ```
 */
export const PART_NAME = /^part-\d{5,}\.(?:jsonl|csv|txt)$/;

/**
 * `_SUCCESS`, version 1: written last by the commit, it lists exactly the committed parts.
 *
 * @example
 * ```ts
 * const manifest = successSchema.parse(JSON.parse(text));
 * ```
 */
export const successSchema = z.object({
  version: z.literal(1),
  jobId,
  job: z.string(),
  committedAt: z.string(),
  inputs: z.array(z.string()).readonly(),
  output: z.string(),
  format: z.string(),
  parts: z
    .array(
      z.object({
        name: z.string().regex(PART_NAME),
        records: count,
        bytes: count,
        sha256: z.string(),
        /** Of a reduce part: the records and shuffle bytes its partition read. */
        recordsIn: count.exactOptional(),
        bytesIn: count.exactOptional(),
      }),
    )
    .readonly(),
  /** When the driver planned the job (job.json's `createdAt`). */
  plannedAt: z.string().exactOptional(),
  records: z.object({ in: count, out: count }),
  bytes: z.object({ in: count, out: count }),
  splits: count,
  reducers: count,
  stages: z.object({ map: stageStats, reduce: stageStats.exactOptional() }),
  redriveOf: jobId.exactOptional(),
  failedSplits: z
    .array(
      z.object({
        splits: z.array(z.object({ id: count, uri: z.string(), start: count, end: count })),
        error: z.string(),
        message: z.string(),
      }),
    )
    .readonly(),
  badRecords,
  /** The task attempts, the slowest first past `rows`' bound; `omitted` were left out. */
  tasks: z.object({ rows: z.array(taskRowSchema).readonly(), omitted: count }).exactOptional(),
  /** A delegate job's calls. */
  delegate: z
    .object({
      calls: count,
      ok: count,
      failed: count,
      maxFailed: count,
      retries: count,
      throttles: count,
      latencyMs: z.object({ p50: count, p95: count, p99: count }),
    })
    .exactOptional(),
  /** A windowed stream batch's event times (see {@link eventTimeSchema}). */
  eventTime: eventTimeSchema.exactOptional(),
});

/**
 * What of a `_SUCCESS` says which objects its result is: its job and its parts' names (also
 * the record a commit keeps of the result it replaces).
 *
 * @example
 * ```ts
 * const listing = successListingSchema.parse(JSON.parse(text));
 * ```
 */
export const successListingSchema = z.object({
  version: z.literal(1),
  jobId,
  parts: z.array(z.object({ name: z.string().regex(PART_NAME) })).readonly(),
});

/**
 * The shuffle index's list of shuffle objects (`shuffle-maps.json`): their keys, in the order
 * of the index matrix's columns, and the number of partitions.
 *
 * @example
 * ```ts
 * const maps = shuffleMapsSchema.parse(JSON.parse(text));
 * ```
 */
export const shuffleMapsSchema = z.object({
  version: z.literal(1),
  keys: z.array(z.string().min(1)).readonly(),
  partitions: count,
});

/** `job.json`, as parsed. */
export type JobPlanData = z.infer<typeof jobPlanSchema>;
/** A map task's result, as parsed. */
export type MapTaskResultData = z.infer<typeof mapTaskResultSchema>;
/** What one delegate task's calls did, as parsed. */
export type DelegateStatsData = z.infer<typeof delegateStatsSchema>;
/** A reduce task's result, as parsed. */
export type ReduceTaskResultData = z.infer<typeof reduceTaskResultSchema>;
/** `kept.json`, as parsed. */
export type KeptData = z.infer<typeof keptSchema>;
/** `_SUCCESS`, as parsed. */
export type SuccessData = z.infer<typeof successSchema>;
/** A task attempt in `_SUCCESS`, as parsed. */
export type TaskRowData = z.infer<typeof taskRowSchema>;

/**
 * Parses an object read back from storage with `schema`; `describe` names the object in the
 * error. Returns the issue as text instead of throwing, so each caller throws its own error.
 *
 * @example
 * ```ts
 * const parsed = parsePersisted(keptSchema, JSON.parse(text));
 * if (!parsed.ok) throw new TaskInputError(`kept.json: ${parsed.error}`);
 * ```
 */
export function parsePersisted<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; value: z.infer<S> } | { ok: false; error: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'the object';
  return { ok: false, error: `${field}: ${issue?.message ?? 'invalid'}` };
}
