import type { SuccessData, TaskRowData } from '../contract/persisted.js';
import { type CostComparison, compareCosts } from './compareCosts.js';

/** One stage of the state machine: when it ran, relative to the job's start (ms). */
export interface ReportStage {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * One bar of the timeline: a task attempt on the worker or Lambda that ran it, or the span a
 * retried task spent on its earlier, failed attempts. Times in ms from the job's start.
 */
export interface ReportBar {
  readonly lane: string;
  readonly kind: 'map' | 'reduce' | 'failed' | 'retried';
  readonly task: string;
  readonly start: number;
  readonly end: number;
  readonly note: string;
}

/** A task row, labelled, with its duration (ms). */
export type ReportTask = TaskRowData & { readonly task: string; readonly ms: number };

/** What a reduce partition read and wrote: its skew. */
export interface ReportPartition {
  readonly partition: number;
  readonly recordsIn: number;
  readonly bytesIn: number;
  readonly records: number;
  readonly bytes: number;
}

/** Everything the job report draws, from one `_SUCCESS`. */
export interface ReportData {
  readonly job: string;
  readonly jobId: string;
  readonly output: string;
  readonly committedAt: string;
  readonly records: SuccessData['records'];
  readonly bytes: SuccessData['bytes'];
  readonly splits: number;
  readonly reducers: number;
  readonly stages: readonly ReportStage[];
  readonly bars: readonly ReportBar[];
  readonly tasks: readonly ReportTask[];
  /** Task attempts `_SUCCESS` left out (past its bound); 0 when it kept them all. */
  readonly omittedTasks: number;
  readonly partitions: readonly ReportPartition[];
  readonly slowest: readonly ReportTask[];
  readonly cost: CostComparison | undefined;
}

/** Tasks the report lists as the slowest. */
const SLOWEST = 10;

const taskName = (row: TaskRowData) => `${row.stage} ${row.id}`;

/** The stages of the state machine, from the dates `_SUCCESS` holds, relative to `t0`. */
function stagesOf(m: SuccessData, t0: number, end: number): ReportStage[] {
  const { map, reduce } = m.stages;
  const planned = m.plannedAt ? Date.parse(m.plannedAt) : undefined;
  if (map.startedAt === undefined || map.stoppedAt === undefined) {
    // An older _SUCCESS: durations only, laid end to end.
    const mapEnd = map.wallMs;
    return [
      { name: 'Map', start: 0, end: mapEnd },
      ...(reduce ? [{ name: 'Reduce', start: mapEnd, end: mapEnd + reduce.wallMs }] : []),
    ];
  }
  const stages: ReportStage[] = [];
  if (planned !== undefined) stages.push({ name: 'Plan', start: planned - t0, end: map.startedAt - t0 });
  stages.push({ name: 'Map', start: map.startedAt - t0, end: map.stoppedAt - t0 });
  let last = map.stoppedAt;
  if (reduce?.startedAt !== undefined && reduce.stoppedAt !== undefined) {
    stages.push({ name: 'Shuffle', start: map.stoppedAt - t0, end: reduce.startedAt - t0 });
    stages.push({ name: 'Reduce', start: reduce.startedAt - t0, end: reduce.stoppedAt - t0 });
    last = reduce.stoppedAt;
  }
  stages.push({ name: 'Commit', start: last - t0, end: end - t0 });
  return stages;
}

/**
 * The bars of the timeline: one per task attempt `_SUCCESS` kept (on its executor's lane; a
 * failed one without an executor on the `failed` lane), and, for a task that succeeded after
 * retries, one bar on the `retried` lane from its child execution's start to its last attempt.
 *
 * @example
 * ```ts
 * const bars = timelineBars(manifest.tasks?.rows ?? [], startOf(manifest));
 * ```
 */
export function timelineBars(rows: readonly TaskRowData[], t0: number): ReportBar[] {
  const bars: ReportBar[] = [];
  for (const row of rows) {
    const task = taskName(row);
    const failed = row.status === 'failed';
    bars.push({
      lane: row.executor ?? (failed ? 'failed' : 'unknown'),
      kind: failed ? 'failed' : row.stage,
      task,
      start: row.startedAt - t0,
      end: row.stoppedAt - t0,
      note: failed
        ? `failed: ${row.error ?? 'error'}`
        : `${row.recordsIn} records in, ${row.bytesIn} bytes in`,
    });
    if (!failed && row.retries && row.queuedAt !== undefined && row.queuedAt < row.startedAt) {
      bars.push({
        lane: 'retried',
        kind: 'retried',
        task,
        start: row.queuedAt - t0,
        end: row.startedAt - t0,
        note: `${row.retries} failed attempt${row.retries === 1 ? '' : 's'} before this one`,
      });
    }
  }
  return bars;
}

/** The job's start: when it was planned, else its first task or stage, in epoch ms. */
function startOf(m: SuccessData): number {
  const times = [
    m.plannedAt ? Date.parse(m.plannedAt) : Number.POSITIVE_INFINITY,
    m.stages.map.startedAt ?? Number.POSITIVE_INFINITY,
    ...(m.tasks?.rows ?? []).map((r) => r.queuedAt ?? r.startedAt),
  ];
  const t0 = Math.min(...times);
  return Number.isFinite(t0) ? t0 : Date.parse(m.committedAt);
}

/**
 * What the job report shows, computed from a `_SUCCESS` alone: the stages with their times,
 * the timeline's bars, every task's bytes, each reduce partition's records and bytes, the
 * slowest tasks, and the estimate's figures beside the counted ones.
 *
 * @example
 * ```ts
 * const data = reportData(await readSuccess('out/wordcount/'));
 * data.bars.length; // task attempts drawn
 * ```
 */
export function reportData(m: SuccessData): ReportData {
  const t0 = startOf(m);
  const committed = Date.parse(m.committedAt);
  const rows = m.tasks?.rows ?? [];
  const tasks = rows.map((r) => ({ ...r, task: taskName(r), ms: r.stoppedAt - r.startedAt }));
  const partitions = m.stages.reduce
    ? m.parts.map((p, partition) => ({
        partition,
        recordsIn: p.recordsIn ?? p.records,
        bytesIn: p.bytesIn ?? 0,
        records: p.records,
        bytes: p.bytes,
      }))
    : [];
  return {
    job: m.job,
    jobId: m.jobId,
    output: m.output,
    committedAt: m.committedAt,
    records: m.records,
    bytes: m.bytes,
    splits: m.splits,
    reducers: m.reducers,
    stages: stagesOf(m, t0, committed),
    bars: timelineBars(rows, t0),
    tasks,
    omittedTasks: m.tasks?.omitted ?? 0,
    partitions,
    slowest: [...tasks].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST),
    cost: compareCosts(m),
  };
}
