import * as z from 'zod';
import { eventTimeSchema } from './persisted.js';

/**
 * The checkpoint of a stream, as persisted: an offset log (`offsets/<N>`, the exact objects of
 * batch N, written once before it runs), a commit log (`commits/<N>`, written once after its
 * output is published) and compactions (`compact/<N>`, every object seen up to batch N).
 * Every entry is versioned and parsed by these schemas on every read.
 */

const count = z.number().int().nonnegative();

/**
 * Digits of a batch number in checkpoint keys and output folders, so listings sort by number.
 *
 * @example
 * ```ts
 * String(3).padStart(BATCH_DIGITS, '0'); // '0000000003'
 * ```
 */
export const BATCH_DIGITS = 10;

/**
 * The keys of a stream's checkpoint, relative to the checkpoint's root
 * (`<output>/_checkpoint/` locally, `streams/<name>/` in the data bucket).
 *
 * @example
 * ```ts
 * streamKeys.offsets(3); // 'offsets/0000000003'
 * streamKeys.batchOf('commits/0000000003'); // 3
 * ```
 */
export const streamKeys = {
  offsets: (batch: number) => `offsets/${padBatch(batch)}`,
  commits: (batch: number) => `commits/${padBatch(batch)}`,
  compact: (batch: number) => `compact/${padBatch(batch)}`,
  /** The batch number of a checkpoint key, or undefined for a key that is not an entry. */
  batchOf: (key: string): number | undefined => {
    const match = /^(?:offsets|commits|compact)\/(\d{10})$/.exec(key);
    return match ? Number(match[1]) : undefined;
  },
} as const;

/**
 * A batch number as checkpoint keys and output folders write it: 10 digits, zero-padded.
 *
 * @example
 * ```ts
 * padBatch(42); // '0000000042'
 * ```
 */
export function padBatch(batch: number): string {
  return String(batch).padStart(BATCH_DIGITS, '0');
}

/**
 * One source object of a batch: its key under the source, URI, size, version (the ETag on S3,
 * size and modification time locally) and modification time (ms since the epoch).
 *
 * @example
 * ```ts
 * sourceObjectSchema.parse({ key: 'a.jsonl', uri: 'file:///in/a.jsonl', size: 10, version: '10-1700000000000', modified: 1700000000000 });
 * ```
 */
export const sourceObjectSchema = z.object({
  key: z.string().min(1),
  uri: z.string().regex(/^(file|s3):\/\//, 'must be a file:// or s3:// URI'),
  size: count,
  version: z.string(),
  modified: count,
});

/**
 * An object rewritten under a key already processed, with a different version: skipped by
 * default (the stream's `rewrites: 'skip'`) and reported in the batch's offsets entry.
 *
 * @example
 * ```ts
 * rewriteSchema.parse({ key: 'a.jsonl', version: '12-1', seenVersion: '10-0', seenBatch: 0 });
 * ```
 */
export const rewriteSchema = z.object({
  key: z.string().min(1),
  version: z.string(),
  seenVersion: z.string(),
  seenBatch: count,
});

/**
 * `offsets/<N>`, version 1: batch N's exact objects, oldest first, and the limits it was cut
 * with. Written once (a conditional create) before the batch runs; a re-run of N reads it back.
 *
 * @example
 * ```ts
 * const entry = offsetEntrySchema.parse(JSON.parse(text));
 * ```
 */
export const offsetEntrySchema = z.object({
  version: z.literal(1),
  stream: z.string().min(1),
  batch: count,
  createdAt: z.string(),
  files: z.array(sourceObjectSchema).readonly(),
  /** Rewritten objects this batch skipped (or, with `rewrites: 'reprocess'`, took again). */
  rewrites: z.array(rewriteSchema.extend({ action: z.enum(['skipped', 'reprocessed']) })).readonly(),
  caps: z.object({ maxFiles: z.number().int().positive(), maxBytes: z.number().int().positive() }),
  /** Objects and bytes left in the source after this batch took its share: the backlog. */
  pending: z.object({ files: count, bytes: count, oldestModified: count.exactOptional() }),
  /**
   * A windowed stream's event time before batch N: the latest event time of batches 0..N-1
   * (absent while none was seen) and the watermark batch N runs with (that minus the delay),
   * fixed here so that a re-run of N closes the same windows and drops the same records.
   */
  eventTime: z
    .object({ max: z.number().exactOptional(), watermark: z.number().exactOptional() })
    .exactOptional(),
  /**
   * A windowed stream's batch of no objects that runs anyway: the watermark has passed the one
   * the last batch ran with and open windows are kept, so it reads them back to publish those
   * the watermark closes (Spark's no-data batch). Absent otherwise.
   */
  closesWindows: z.literal(true).exactOptional(),
});

/**
 * `commits/<N>`, version 1: batch N's output is published. `published` is the folder, relative
 * to the stream's output, that holds the result readers should use after batch N (`batch=N/` in
 * append mode, `snapshot=N/` in update mode; absent for a batch that took no objects in append
 * mode, and the previous snapshot's folder for one in update mode).
 *
 * @example
 * ```ts
 * const commit = commitEntrySchema.parse(JSON.parse(text));
 * ```
 */
export const commitEntrySchema = z.object({
  version: z.literal(1),
  stream: z.string().min(1),
  batch: count,
  committedAt: z.string(),
  jobId: z.string().exactOptional(),
  published: z.string().exactOptional(),
  records: z.object({ in: count, out: count }),
  bytes: z.object({ in: count, out: count }),
  /** A windowed stream: the latest event time batch N saw, and its late records (from `_SUCCESS`). */
  eventTime: eventTimeSchema.exactOptional(),
  /** A windowed stream: the folder, relative to the output, of the open windows after batch N. */
  state: z.string().exactOptional(),
});

/**
 * `compact/<N>`, version 1: every object seen by batches 0..N (the union of their offsets
 * entries), so that a claim reads one compaction and the few entries after it.
 *
 * @example
 * ```ts
 * const compact = compactEntrySchema.parse(JSON.parse(text));
 * ```
 */
export const compactEntrySchema = z.object({
  version: z.literal(1),
  stream: z.string().min(1),
  batch: count,
  seen: z.array(z.object({ key: z.string().min(1), version: z.string(), batch: count })).readonly(),
});

/** `offsets/<N>` as read. */
export type OffsetEntry = z.infer<typeof offsetEntrySchema>;
/** `commits/<N>` as read. */
export type CommitEntry = z.infer<typeof commitEntrySchema>;
/** `compact/<N>` as read. */
export type CompactEntry = z.infer<typeof compactEntrySchema>;
/** One object of a batch. */
export type SourceObject = z.infer<typeof sourceObjectSchema>;
/** A rewritten object, as an offsets entry reports it. */
export type Rewrite = OffsetEntry['rewrites'][number];
