import type { BadRecordPolicy } from '../job/options.js';
import type { InputFormat, OutputFormat, Split } from '../job/types.js';

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
export interface JobPlan {
  readonly version: 1;
  readonly jobId: string;
  readonly createdAt: string;
  /** The job's name and how tasks load it (a module path, or a name in a jobs registry). */
  readonly job: { readonly name: string; readonly module: string };
  readonly inputs: readonly string[];
  /** The output location, a `file://` or `s3://` URI of a directory (prefix). */
  readonly output: string;
  readonly input: InputFormat<unknown>;
  readonly outputFormat: OutputFormat;
  /** 0 for map-only jobs. */
  readonly reducers: number;
  readonly splits: number;
  readonly splitSize: number;
  readonly inputBytes: number;
  readonly memoryBudget: number;
  readonly maxRecordBytes: number;
  readonly badRecords: BadRecordPolicy;
  /** The commit replaces what the output location holds (its earlier result stays until then). */
  readonly overwrite: boolean;
  /**
   * Set for a redrive: the job whose failed splits this one runs. Its `kept.json` holds the
   * results of its succeeded map tasks, which the later stages use with this job's own.
   */
  readonly redrive?: { readonly jobId: string; readonly prefix: string };
}

/** A skipped record, as `_SUCCESS` samples it. */
export interface BadRecordSample {
  readonly uri: string;
  readonly offset: number;
  readonly line: number | undefined;
  readonly reason: string;
}

/** The bad records a task skipped: how many, and the first few. */
export interface BadRecords {
  readonly count: number;
  readonly samples: readonly BadRecordSample[];
}

/** The event of a map task: one batch of splits, as Distributed Map's ItemBatcher makes it. */
export interface MapTaskEvent {
  readonly BatchInput: JobRef;
  readonly Items: readonly Split[];
}

/** A part file staged by a task, before the commit. */
export interface StagedPart {
  /** Partition number (reduce) or first split id (map-only): the part's number. */
  readonly part: number;
  readonly key: string;
  readonly records: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Per-partition location of a sorted run inside one shuffle object. */
export interface RunIndex {
  readonly offset: number;
  readonly length: number;
  readonly records: number;
  /** CRC-32 of the run's bytes: the reduce side verifies every run it reads. */
  readonly crc32: number;
}

/** What a map task returns. */
export interface MapTaskResult {
  readonly splits: readonly number[];
  /** The task's shuffle object; its run index is in the object's footer. */
  readonly shuffle?: { readonly key: string; readonly bytes: number };
  readonly part?: StagedPart;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly bytesIn: number;
  readonly spills: number;
  /** Set when records were skipped under the `skip` policy. */
  readonly badRecords?: BadRecords;
  readonly ms: number;
}

/** The event of a reduce task: one batch of partitions. */
export interface ReduceTaskEvent {
  readonly BatchInput: JobRef;
  readonly Items: readonly { readonly partition: number }[];
}

/** What a reduce task returns. */
export interface ReduceTaskResult {
  readonly parts: readonly StagedPart[];
  readonly recordsIn: number;
  readonly bytesIn: number;
  readonly ms: number;
}

/** Where a Distributed Map's ResultWriter put its results (the Map state's output). */
export interface ResultWriterDetails {
  readonly Bucket: string;
  readonly Key: string;
}

/** The collect function's events: plan the reduce stage, commit, or abort. */
export type CollectEvent =
  | (JobRef & { readonly action: 'prepareReduce'; readonly map: ResultWriterDetails })
  | (JobRef & {
      readonly action: 'commit';
      readonly map: ResultWriterDetails;
      /** The reduce stage's results; null or absent for map-only jobs. */
      readonly reduce?: ResultWriterDetails | null;
    })
  | (JobRef & {
      readonly action: 'abort';
      readonly error?: { readonly Error?: string; readonly Cause?: string };
    });

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

/** Keys of a job's working objects, all derived from the job's prefix and task inputs. */
export const workKeys = {
  plan: (ref: JobRef) => `${ref.prefix}job.json`,
  splits: (ref: JobRef) => `${ref.prefix}splits.jsonl`,
  partitions: (ref: JobRef) => `${ref.prefix}partitions.jsonl`,
  kept: (ref: { readonly prefix: string }) => `${ref.prefix}kept.json`,
  /** Written by `stepmr stop`: the job's commit must publish nothing. */
  stopped: (ref: JobRef) => `${ref.prefix}stopped.json`,
  shuffle: (ref: JobRef, firstSplit: number) => `${ref.prefix}shuffle/map-${pad(firstSplit)}.bin`,
  part: (ref: JobRef, part: number) => `${ref.prefix}parts/part-${pad(part)}`,
} as const;

/** `7` → `00007`: part and task numbers sort as text. */
export function pad(n: number): string {
  return String(n).padStart(5, '0');
}
