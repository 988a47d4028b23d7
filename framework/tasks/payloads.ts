import type { CollectEventData, MapEvent, ReduceEvent } from '../contract/events.js';
import type { JobPlanData, MapTaskResultData, ReduceTaskResultData } from '../contract/persisted.js';

/**
 * Where one job's working objects live: `bucket` is a Store name (an S3 bucket on AWS) and
 * `prefix` ends with `/`. This is the execution input of the job's state machine.
 */
export interface JobRef {
  readonly jobId: string;
  readonly bucket: string;
  readonly prefix: string;
}

/** `job.json`: everything the tasks need to know about one run, written by the planner. */
export type JobPlan = JobPlanData;

/** A skipped record, as `_SUCCESS` samples it. */
export type BadRecordSample = BadRecords['samples'][number];

/** The bad records a task skipped: how many, and the first few. */
export type BadRecords = NonNullable<MapTaskResultData['badRecords']>;

/** The event of a map task: one batch of splits, as Distributed Map's ItemBatcher makes it. */
export type MapTaskEvent = MapEvent;

/** A part file staged by a task, before the commit. */
export type StagedPart = ReduceTaskResultData['parts'][number];

/** Per-partition location of a sorted run inside one shuffle object. */
export interface RunIndex {
  readonly offset: number;
  readonly length: number;
  readonly records: number;
  /** CRC-32 of the run's bytes: the reduce side verifies every run it reads. */
  readonly crc32: number;
}

/** What a map task returns. */
export type MapTaskResult = MapTaskResultData;

/** The event of a reduce task: one batch of partitions. */
export type ReduceTaskEvent = ReduceEvent;

/** What a reduce task returns. */
export type ReduceTaskResult = ReduceTaskResultData;

/** Where a Distributed Map's ResultWriter put its results (the Map state's output). */
export interface ResultWriterDetails {
  readonly Bucket: string;
  readonly Key: string;
}

/** The collect function's events: plan the reduce stage, commit, or abort. */
export type CollectEvent = CollectEventData;

/** What `prepareDelegate` returns. */
export interface PrepareDelegateResult {
  readonly calls: number;
}

/** What `prepareReduce` returns. */
export interface PrepareReduceResult {
  readonly partitions: number;
  readonly mapTasks: number;
  readonly shuffleBytes: number;
}

/** What `commit` returns: the execution's output. */
export interface CommitResult {
  readonly output: string;
  readonly parts: number;
  readonly records: number;
  readonly bytes: number;
}

/** Prefixes the shuffle objects of a job are spread over. */
export const SHUFFLE_PREFIXES = 16;

/** Keys of a job's working objects, all derived from the job's prefix and task inputs. */
export const workKeys = {
  plan: (ref: JobRef) => `${ref.prefix}job.json`,
  splits: (ref: JobRef) => `${ref.prefix}splits.jsonl`,
  partitions: (ref: JobRef) => `${ref.prefix}partitions.jsonl`,
  kept: (ref: { readonly prefix: string }) => `${ref.prefix}kept.json`,
  /** Written by `stepmr stop`: the job's commit must publish nothing. */
  stopped: (ref: JobRef) => `${ref.prefix}stopped.json`,
  /**
   * Spread over 16 prefixes (`shuffle/0/` … `shuffle/f/`, task after task), so that S3 can
   * serve the shuffle's PUTs and ranged GETs from 16 partitioned prefixes rather than one.
   */
  shuffle: (ref: JobRef, firstSplit: number) =>
    `${ref.prefix}shuffle/${(firstSplit % SHUFFLE_PREFIXES).toString(16)}/map-${pad(firstSplit)}.bin`,
  part: (ref: JobRef, part: number) => `${ref.prefix}parts/part-${pad(part)}`,
  /** A delegate job's map task: the tasks of its records, one JSON line each. */
  tasks: (ref: JobRef, firstSplit: number) => `${ref.prefix}tasks/map-${pad(firstSplit)}.jsonl`,
  /** The delegate stage's items: `{ index, task }` per line, in input order. */
  calls: (ref: { readonly prefix: string }) => `${ref.prefix}calls.jsonl`,
  /** The results of one delegate task's calls, kept for a redrive of the failed ones. */
  callResults: (ref: { readonly prefix: string }, firstIndex: number) =>
    `${ref.prefix}calls/results-${pad(firstIndex)}.jsonl`,
} as const;

/** `7` → `00007`: part and task numbers sort as text. */
export function pad(n: number): string {
  return String(n).padStart(5, '0');
}
