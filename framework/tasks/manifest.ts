import { parsePersisted, type SuccessData, successSchema } from '../contract/persisted.js';
import type { Split } from '../job/types.js';
import { addRequests, noRequests, type RequestCounts } from '../store/CountingStore.js';
import type { Store } from '../store/Store.js';
import { readJsonIfAny } from '../store/transfer.js';
import { openUri } from '../store/uri.js';
import { percentiles } from './callResults.js';
import { TaskInputError } from './errors.js';
import type { FailedItem, MapRunResults } from './mapRunResults.js';
import type { BadRecords, JobPlan, MapTaskResult, ReduceTaskResult } from './payloads.js';
import { taskRows } from './taskRows.js';

/** One committed part, as `_SUCCESS` lists it. */
export type CommittedPart = SuccessData['parts'][number];

/** Figures of one stage, from its tasks' own reports. */
export type StageStats = SuccessData['stages']['map'];

/** `_SUCCESS`: written last by the commit, it lists exactly the committed parts. */
export type SuccessManifest = SuccessData;

/** Bad records `_SUCCESS` samples at most. */
const MANIFEST_SAMPLES = 20;

/** The bad records of all map tasks: the total and the first samples, in split order. */
export function totalBadRecords(maps: MapRunResults<MapTaskResult>): BadRecords {
  const tasks = maps.succeeded
    .filter((m) => m.badRecords !== undefined)
    .sort((a, b) => (a.splits[0] ?? 0) - (b.splits[0] ?? 0));
  return {
    count: tasks.reduce((n, m) => n + (m.badRecords?.count ?? 0), 0),
    samples: tasks.flatMap((m) => m.badRecords?.samples ?? []).slice(0, MANIFEST_SAMPLES),
  };
}

/** One failed map task in `_SUCCESS`: which bytes of which files it left out, and why. */
export type FailedSplits = SuccessData['failedSplits'][number];

/** The splits and error of a failed map task, from its ResultWriter entry. */
function failedSplits(failed: FailedItem): FailedSplits {
  const items = (failed.input as { Items?: Split[] } | undefined)?.Items ?? [];
  let message = failed.cause;
  try {
    const cause = JSON.parse(failed.cause) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // a cause that is not a Lambda error's JSON is kept as it is
  }
  return {
    splits: items.map(({ id, uri, start, end }) => ({ id, uri, start, end })),
    error: failed.error,
    message,
  };
}

/** Memory of the map and reduce functions (serverless.yml), for tasks that did not report theirs. */
const TASK_MEMORY_MB = 2048;

/** What a stage's figures are summed from, per task. */
interface TaskFigures {
  recordsIn: number;
  recordsOut: number;
  bytesIn: number;
  ms: number;
  spills?: number;
  requests?: RequestCounts | undefined;
  memoryMb?: number | undefined;
}

function stage<T>(results: MapRunResults<T>, pick: (t: T) => TaskFigures): StageStats {
  const s = {
    tasks: results.succeeded.length,
    failedTasks: results.failed.length,
    recordsIn: 0,
    recordsOut: 0,
    bytesIn: 0,
    spills: 0,
    taskMs: 0,
  };
  // Requests are summed only when every task counted its own (results of an older version did not).
  let requests: RequestCounts | undefined = noRequests();
  let gbSeconds = 0;
  for (const r of results.succeeded) {
    const p = pick(r);
    s.recordsIn += p.recordsIn;
    s.recordsOut += p.recordsOut;
    s.bytesIn += p.bytesIn;
    s.spills += p.spills ?? 0;
    s.taskMs += p.ms;
    requests = requests && p.requests ? addRequests(requests, p.requests) : undefined;
    gbSeconds += ((p.ms / 1000) * (p.memoryMb ?? TASK_MEMORY_MB)) / 1024;
  }
  return {
    ...s,
    wallMs: Math.max(0, results.stoppedAt - results.startedAt),
    ...(requests ? { requests } : {}),
    gbSeconds,
    ...(results.stoppedAt > 0 ? { startedAt: results.startedAt, stoppedAt: results.stoppedAt } : {}),
  };
}

/** A delegate job's calls, as `_SUCCESS` sums them up. */
export type DelegateSummary = NonNullable<SuccessData['delegate']>;

/**
 * The calls of a delegate job's tasks summed up, and the most that may fail (`--max-failed`
 * as a count: a percentage is of all calls, rounded down). Undefined for other jobs.
 *
 * @example
 * ```ts
 * const calls = delegateSummary(plan, maps);
 * if (calls && calls.failed > calls.maxFailed) throw new FailedCallLimitError('…');
 * ```
 */
export function delegateSummary(
  plan: JobPlan,
  maps: MapRunResults<MapTaskResult>,
): DelegateSummary | undefined {
  if (!plan.delegate) return undefined;
  const s = { calls: 0, ok: 0, failed: 0, retries: 0, throttles: 0 };
  const histograms = [];
  for (const m of maps.succeeded) {
    if (!m.delegate) continue;
    s.calls += m.delegate.calls;
    s.ok += m.delegate.ok;
    s.failed += m.delegate.failed;
    s.retries += m.delegate.retries;
    s.throttles += m.delegate.throttles;
    histograms.push(m.delegate.latency);
  }
  const max = plan.delegate.maxFailed;
  const maxFailed = 'count' in max ? max.count : Math.floor(((s.ok + s.failed) * max.percent) / 100);
  return { ...s, maxFailed, latencyMs: percentiles(histograms) };
}

/** Builds the `_SUCCESS` manifest of a commit. */
export function buildManifest(
  plan: JobPlan,
  parts: readonly CommittedPart[],
  maps: MapRunResults<MapTaskResult>,
  reduces: MapRunResults<ReduceTaskResult> | undefined,
  now: number,
): SuccessManifest {
  const mapStage = stage(maps, (m) => m);
  const calls = delegateSummary(plan, maps);
  const reduceStage = reduces
    ? stage(reduces, (r) => ({
        recordsIn: r.recordsIn,
        recordsOut: r.parts.reduce((n, p) => n + p.records, 0),
        bytesIn: r.bytesIn,
        ms: r.ms,
        requests: r.requests,
        memoryMb: r.memoryMb,
      }))
    : undefined;
  return {
    version: 1,
    jobId: plan.jobId,
    job: plan.job.name,
    committedAt: new Date(now).toISOString(),
    inputs: plan.inputs,
    output: plan.output,
    format: plan.outputFormat.kind,
    parts,
    plannedAt: plan.createdAt,
    records: { in: mapStage.recordsIn, out: parts.reduce((n, p) => n + p.records, 0) },
    // A delegate job's stages.map is its delegate stage, which reads calls, not the input.
    bytes: { in: calls ? plan.inputBytes : mapStage.bytesIn, out: parts.reduce((n, p) => n + p.bytes, 0) },
    splits: plan.splits,
    reducers: plan.reducers,
    stages: reduceStage ? { map: mapStage, reduce: reduceStage } : { map: mapStage },
    ...(plan.redrive ? { redriveOf: plan.redrive.jobId } : {}),
    failedSplits: maps.failed
      .map(failedSplits)
      .sort((a, b) => (a.splits[0]?.id ?? 0) - (b.splits[0]?.id ?? 0)),
    badRecords: totalBadRecords(maps),
    tasks: taskRows(maps, reduces),
    ...(calls ? { delegate: calls } : {}),
    ...(plan.window ? { eventTime: totalEventTime(maps) } : {}),
  };
}

/** A windowed batch's event times: the latest of all map tasks, their late records and the first samples. */
function totalEventTime(maps: MapRunResults<MapTaskResult>): NonNullable<SuccessData['eventTime']> {
  const tasks = maps.succeeded
    .filter((m) => m.eventTime !== undefined)
    .sort((a, b) => (a.splits[0] ?? 0) - (b.splits[0] ?? 0));
  const latest = tasks.flatMap((m) => (m.eventTime?.max === undefined ? [] : [m.eventTime.max]));
  return {
    ...(latest.length > 0 ? { max: Math.max(...latest) } : {}),
    late: tasks.reduce((n, m) => n + (m.eventTime?.late ?? 0), 0),
    samples: tasks.flatMap((m) => m.eventTime?.samples ?? []).slice(0, MANIFEST_SAMPLES),
  };
}

/**
 * The `_SUCCESS` manifest at an output location: a URI ending in `/`, or a store and the key
 * of its `_SUCCESS`. Undefined when there is none (the location holds no committed result).
 *
 * @example
 * ```ts
 * const manifest = await readSuccess('s3://data/out/wc/');
 * ```
 */
export function readSuccess(output: string): Promise<SuccessManifest | undefined>;
export function readSuccess(store: Store, key: string): Promise<SuccessManifest | undefined>;
export async function readSuccess(at: string | Store, key?: string): Promise<SuccessManifest | undefined> {
  const where = typeof at === 'string' ? openUri(`${at}_SUCCESS`) : { store: at, key: key ?? '' };
  const name = `${where.store.url}${where.key}`;
  let raw: unknown;
  try {
    raw = await readJsonIfAny<unknown>(where.store, where.key);
  } catch (cause) {
    throw new TaskInputError(
      `${name} is not a stepmr _SUCCESS manifest (${(cause as Error).message}); move it away or choose another output`,
      { cause },
    );
  }
  if (raw === undefined) return undefined;
  const parsed = parsePersisted(successSchema, raw);
  if (!parsed.ok) {
    throw new TaskInputError(
      `${name} is not a stepmr _SUCCESS manifest (${parsed.error}); move it away or choose another output`,
    );
  }
  return parsed.value;
}
