import { makeBatches } from '../engine/itemBatcher.js';
import { DEFAULT_LIMITS } from '../engine/limits.js';
import type { Split } from '../job/types.js';
import {
  addRequests as add,
  noRequests,
  PAGE_KEYS,
  putRequests,
  type RequestCounts,
} from '../store/CountingStore.js';

/** What the model needs to know of a planned job: what `stepmr run` and `submit` plan. */
export interface JobShape {
  /** The job's id as the driver makes it (its length sizes the batches' JSON). */
  readonly jobId: string;
  readonly bucket: string;
  /** The job's working prefix, `work/<job id>/`. */
  readonly prefix: string;
  /** The splits, as `makeSplits` cuts them. */
  readonly splits: readonly Split[];
  readonly splitsPerTask: number;
  /** Reduce partitions; 0 for a map-only job. */
  readonly reducers: number;
  /** @default 1, as the execution input sets it */
  readonly partitionsPerTask?: number;
  /** CSV splits after a file's first read the header line first. */
  readonly inputKind: 'lines' | 'jsonl' | 'csv';
  /** Requests of listing the input: LIST pages and HEADs. */
  readonly listing: Pick<RequestCounts, 'list' | 'head'>;
  /** Bytes a map task writes to the shuffle per byte it reads. @default 1 */
  readonly shuffleRatio?: number;
  /** Bytes of output per byte of shuffle (or of input, map-only). @default 1 */
  readonly outputRatio?: number;
}

/** The requests of one stage of a job, and how many tasks made them. */
export interface StageRequests {
  readonly tasks: number;
  readonly requests: RequestCounts;
  /** Bytes each task reads (input, or shuffle), in task order. */
  readonly taskBytes: readonly number[];
}

/** A job's S3 requests, stage by stage, as its code sends them. */
export interface JobRequests {
  /** Listing the input, checking the output, writing job.json and splits.jsonl; reading _SUCCESS at the end. */
  readonly driver: RequestCounts;
  readonly map: StageRequests;
  /** The Distributed Maps' own: each ItemReader GETs its items, each ResultWriter PUTs two files. */
  readonly mapRuns: RequestCounts;
  /** The Shuffle step (collect's prepareReduce); zeros for a map-only job. */
  readonly shuffle: RequestCounts;
  readonly reduce: StageRequests;
  /** The Commit step: verify, publish (COPY + DELETE per part), write _SUCCESS, clean up. */
  readonly commit: RequestCounts;
  readonly total: RequestCounts;
  readonly shuffleBytes: number;
  readonly outputBytes: number;
}

/**
 * The batches of splits the Distributed Map's ItemBatcher makes of a job's splits (its item
 * count and 256 KiB limits): one per map task.
 *
 * @example
 * ```ts
 * const tasks = mapBatches(shape).length;
 * ```
 */
export function mapBatches(shape: JobShape): Split[][] {
  const batchInput = { jobId: shape.jobId, bucket: shape.bucket, prefix: shape.prefix };
  const batches = makeBatches(shape.splits, {
    maxItems: shape.splitsPerTask,
    maxBytes: DEFAULT_LIMITS.batchBytes,
    batchInput,
  });
  return batches.map((b) => (b.input as { Items: Split[] }).Items);
}

/** GETs of reading one split: one ranged GET of its bytes, one past its end, a CSV header. */
function splitReads(split: Split, kind: JobShape['inputKind']): Partial<RequestCounts> {
  if (split.end <= split.start) return {};
  if (split.compression === 'gzip') return { get: 1, bytesRead: split.size };
  // The record that crosses the split's end is finished by a ranged read past it; a file's last
  // split ends at the file's end (a file is assumed to end with a line break).
  const tail = split.end < split.size ? 1 : 0;
  const header = kind === 'csv' && split.start > 0 ? 1 : 0;
  return { rangedGet: 1 + tail + header, bytesRead: split.end - split.start + (split.start > 0 ? 1 : 0) };
}

/**
 * Counts the S3 requests of a job from its plan, request by request as the code sends them
 * (driver: `planJob`, `checkOutput`; map: `mapTask`; shuffle: `prepareReduce`; reduce:
 * `reduceTask`; commit: `commitJob`; the Distributed Map's ItemReader and ResultWriter). What
 * the plan cannot know is assumed: shuffle and output sizes from the ratios, every reduce
 * partition holding records from every map task, no failures, retries or `--overwrite`.
 *
 * @example
 * ```ts
 * const { total } = countJobRequests(shape);
 * console.log(total.rangedGet);
 * ```
 */
export function countJobRequests(shape: JobShape): JobRequests {
  const shuffleRatio = shape.shuffleRatio ?? 1;
  const outputRatio = shape.outputRatio ?? 1;
  const reducers = shape.reducers;
  const batches = mapBatches(shape);
  const m = batches.length;

  // Driver: list the input, LIST the output (empty), PUT job.json and splits.jsonl; GET _SUCCESS.
  const driver = add(noRequests(), { ...shape.listing, list: shape.listing.list + 1, put: 2, get: 1 });

  // The Map Runs: each ItemReader GETs splits.jsonl (partitions.jsonl), each ResultWriter PUTs
  // SUCCEEDED_0.json and manifest.json.
  const mapRuns = add(noRequests(), reducers > 0 ? { get: 2, put: 4 } : { get: 1, put: 2 });

  // Map: each task GETs job.json, reads its splits, PUTs its shuffle object (or staged part),
  // HEADs job.json and stopped.json.
  const map = noRequests();
  const mapBytes: number[] = [];
  let shuffleBytes = 0;
  let outputBytes = 0;
  for (const batch of batches) {
    add(map, { get: 1, head: 2 });
    let bytes = 0;
    for (const split of batch) {
      add(map, splitReads(split, shape.inputKind));
      bytes += split.end - split.start;
    }
    mapBytes.push(bytes);
    const written = Math.round(bytes * (reducers > 0 ? shuffleRatio : outputRatio));
    // A shuffle object past 8 MiB is streamed (multipart); a map-only part is one PUT.
    add(map, { put: reducers > 0 ? putRequests(written, true) : 1, bytesWritten: written });
    if (reducers > 0) shuffleBytes += written;
    else outputBytes += written;
  }

  // Shuffle: GET job.json, the map ResultWriter's manifest and SUCCEEDED file; one ranged GET of
  // each shuffle object's footer; PUT the index matrix, the map list and partitions.jsonl.
  const shuffle = reducers > 0 ? add(noRequests(), { get: 3, rangedGet: m, put: 3 }) : noRequests();

  // Reduce: each task GETs job.json and shuffle-maps.json, per partition one ranged GET of its
  // index row and one of its run in every shuffle object, PUTs its part, HEADs job.json and
  // stopped.json.
  const reduce = noRequests();
  const reduceBytes: number[] = [];
  const perTask = shape.partitionsPerTask ?? 1;
  const reduceTasks = reducers > 0 ? Math.ceil(reducers / perTask) : 0;
  if (reducers > 0) {
    for (let t = 0; t < reduceTasks; t++) {
      const partitions = Math.min(perTask, reducers - t * perTask);
      const read = Math.round((shuffleBytes * partitions) / reducers);
      const written = Math.round(read * outputRatio);
      outputBytes += written;
      reduceBytes.push(read);
      add(reduce, {
        get: 2,
        head: 2 * partitions,
        rangedGet: partitions * ((m > 0 ? 1 : 0) + m),
        put: partitions,
        bytesRead: read,
        bytesWritten: written,
      });
    }
  }

  // Commit: GET job.json and the output's _SUCCESS (none yet), HEAD stopped.json, GET the map
  // (and reduce) results; per part HEAD it, COPY it to the output and DELETE it; HEAD
  // stopped.json again, PUT _SUCCESS; LIST the work prefix and DELETE all but job.json.
  const parts = reducers > 0 ? reducers : m;
  const results = reducers > 0 ? 4 : 2;
  // Left under the prefix: job.json, splits.jsonl, the map results; partitions.jsonl, the index
  // matrix and map list, the shuffle objects and the reduce results.
  const left = 4 + (reducers > 0 ? 3 + m + 2 : 0);
  const commit = add(noRequests(), {
    get: 2 + results,
    head: 2 + parts,
    copy: parts,
    delete: parts + Math.ceil((left - 1) / PAGE_KEYS),
    put: 1,
    list: Math.max(1, Math.ceil(left / PAGE_KEYS)),
  });

  const total = noRequests();
  for (const counts of [driver, map, mapRuns, shuffle, reduce, commit]) add(total, counts);
  return {
    driver,
    map: { tasks: m, requests: map, taskBytes: mapBytes },
    mapRuns,
    shuffle,
    reduce: { tasks: reduceTasks, requests: reduce, taskBytes: reduceBytes },
    commit,
    total,
    shuffleBytes,
    outputBytes,
  };
}
