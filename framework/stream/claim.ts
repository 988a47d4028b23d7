import {
  type CommitEntry,
  type OffsetEntry,
  type Rewrite,
  type SourceObject,
  streamKeys,
} from '../contract/stream.js';
import { ConditionalRequestConflictError, PreconditionFailedError } from '../store/errors.js';
import type { Store } from '../store/Store.js';
import { type CheckpointState, compactIfDue, readCheckpoint, writeCommit } from './checkpoint.js';
import { CheckpointError } from './errors.js';

/** Where a stream's objects arrive: a store (a directory, a bucket) and a prefix in it. */
export interface StreamSource {
  readonly store: Store;
  /** `''` for the whole store (a local inbox), `in/clicks/` in a bucket. */
  readonly prefix: string;
}

/** What a published batch reports, for its commit entry. */
export type PublishedBatch = Pick<
  CommitEntry,
  'jobId' | 'published' | 'records' | 'bytes' | 'eventTime' | 'state'
>;

/** What {@link claimNextBatch} needs. */
export interface ClaimRequest {
  /** The stream's name; every checkpoint entry must carry it. */
  readonly stream: string;
  /** The checkpoint, rooted at the stream's own prefix. */
  readonly checkpoint: Store;
  readonly source: StreamSource;
  readonly caps: { readonly maxFiles: number; readonly maxBytes: number };
  /** @default 'skip' */
  readonly rewrites?: 'skip' | 'reprocess';
  /**
   * Whether a claimed, uncommitted batch's output is published already (a driver stopped
   * between publishing and committing): resolves with what the commit entry records, or
   * undefined. See `publishedBatch`.
   */
  readonly published: (entry: OffsetEntry) => Promise<PublishedBatch | undefined>;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * A windowed stream's watermark delay, ms: each offsets entry then records the latest event
   * time of the batches before it and the watermark its batch runs with. @default no windows
   */
  readonly watermarkDelayMs?: number;
  /**
   * A windowed stream: whether the open windows in `folder` (relative to the stream's output,
   * as a commit entry's `state` names it) hold any. With nothing new in the source, a batch of
   * no objects is cut when they do and the watermark has moved past the one the last batch ran
   * with, so that the windows it passed are published without waiting for more data.
   * @default never
   */
  readonly openWindows?: (folder: string) => Promise<boolean>;
}

/** A batch to run: its offsets entry, and whether it was claimed before (a resume). */
export interface Claim {
  readonly batch: number;
  readonly entry: OffsetEntry;
  readonly files: OffsetEntry['files'];
  /** A batch of no objects that runs to close the windows the watermark passed (see `openWindows`). */
  readonly closesWindows: boolean;
  /**
   * True when this call found the batch claimed and uncommitted: an earlier driver stopped, or
   * another one runs it now. Run it again only where nothing else can run it (one embedded
   * driver per stream; on AWS an execution named after the batch).
   */
  readonly resumed: boolean;
}

/** Names starting with `.` or `_` are hidden, as in Hadoop: files being written, markers. */
const hidden = (key: string) => /(^|\/)[._]/.test(key);

/**
 * Claims the stream's next micro-batch. If the last claimed batch is uncommitted it is returned
 * again (same objects), unless its output is published already, in which case its commit entry
 * is written and the claim goes on. Otherwise the source is listed (the listing is the truth;
 * events only wake a driver up), the objects seen before are subtracted, the rest are taken
 * oldest first up to the caps, and `offsets/<N+1>` is created with a conditional write.
 * Among concurrent claimers of one batch exactly one gets it (`resumed: false`); the others
 * resolve with undefined, as does a claim with nothing new to take.
 *
 * An object rewritten under a key already taken (another version) is skipped and reported in
 * the entry's `rewrites`, or taken again with `rewrites: 'reprocess'`. A batch of no files
 * (it only reports skipped rewrites) runs no job: its driver commits it with
 * {@link commitBatch} (in update mode naming the previous commit's `published` folder). A
 * windowed stream with nothing new gets a batch of no objects that runs (`closesWindows`) when
 * the watermark has moved past its last batch's and windows are open (see `openWindows`).
 *
 * @example
 * ```ts
 * const claim = await claimNextBatch({ stream: 'clicks', checkpoint, source, caps, published });
 * if (claim) console.log(`batch ${claim.batch}: ${claim.files.length} files`);
 * ```
 */
export async function claimNextBatch(request: ClaimRequest): Promise<Claim | undefined> {
  const { checkpoint, stream } = request;
  for (let round = 0; round < 10; round++) {
    const state = await readCheckpoint(checkpoint, stream);
    const { latest, latestCommit } = state;
    if (latest && !latestCommit) {
      const published = await request.published(latest);
      if (!published) return { ...claimOf(latest), resumed: true };
      await commitBatch(checkpoint, latest, published, request.now);
      continue;
    }
    if (latest) await compactIfDue(checkpoint, stream, state, latest.batch);
    const entry = await nextEntry(request, state);
    if (!entry) return undefined;
    try {
      await checkpoint.putIfAbsent(streamKeys.offsets(entry.batch), `${JSON.stringify(entry)}\n`);
    } catch (error) {
      if (error instanceof PreconditionFailedError || error instanceof ConditionalRequestConflictError) {
        return undefined;
      }
      throw error;
    }
    if (await supersededBy(checkpoint, entry.batch)) {
      // A claim that slept through many batches recreated an entry compaction had deleted.
      await checkpoint.delete([streamKeys.offsets(entry.batch)]);
      return undefined;
    }
    return { ...claimOf(entry), resumed: false };
  }
  throw new CheckpointError(
    `stream ${stream}: the checkpoint at ${checkpoint.url} kept changing during 10 claims; another driver is committing batches in a loop, or its output check and this one disagree`,
  );
}

/**
 * Writes a batch's commit entry once its output is published: readers and the next claim then
 * trust it.
 *
 * @example
 * ```ts
 * await commitBatch(checkpoint, claim.entry, { jobId, published: 'batch=0000000003/', records, bytes });
 * ```
 */
export async function commitBatch(
  checkpoint: Store,
  entry: OffsetEntry,
  published: PublishedBatch,
  now: () => number = Date.now,
): Promise<CommitEntry> {
  return writeCommit(checkpoint, {
    version: 1,
    stream: entry.stream,
    batch: entry.batch,
    committedAt: new Date(now()).toISOString(),
    ...published,
  });
}

const claimOf = (entry: OffsetEntry) => ({
  batch: entry.batch,
  entry,
  files: entry.files,
  closesWindows: entry.closesWindows === true,
});

/** Whether an offsets entry after `batch` exists. */
async function supersededBy(checkpoint: Store, batch: number): Promise<boolean> {
  for await (const { key } of checkpoint.list('offsets/')) {
    if ((streamKeys.batchOf(key) ?? -1) > batch) return true;
  }
  return false;
}

/** The next offsets entry: the source's unseen objects, oldest first, cut at the caps. */
async function nextEntry(request: ClaimRequest, state: CheckpointState): Promise<OffsetEntry | undefined> {
  const { source, caps } = request;
  const reprocess = request.rewrites === 'reprocess';
  const fresh: SourceObject[] = [];
  const rewrites: Omit<Rewrite, 'action'>[] = [];
  for await (const info of source.store.list(source.prefix)) {
    const key = info.key.slice(source.prefix.length);
    if (hidden(key)) continue;
    const version = info.version ?? `${info.size}`;
    const object = {
      key: info.key,
      uri: source.store.url + info.key,
      size: info.size,
      version,
      modified: info.modified ?? 0,
    };
    const seen = state.seen.get(info.key);
    if (seen === undefined) fresh.push(object);
    else if (seen.version !== version) {
      rewrites.push({ key: info.key, version, seenVersion: seen.version, seenBatch: seen.batch });
      if (reprocess) fresh.push(object);
    }
  }
  if (fresh.length === 0 && rewrites.length === 0) {
    return (await windowsToClose(request, state))
      ? { ...blankEntry(request, state), closesWindows: true }
      : undefined;
  }
  fresh.sort((a, b) => a.modified - b.modified || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const files: SourceObject[] = [];
  let bytes = 0;
  for (const file of fresh) {
    if (files.length >= caps.maxFiles || (files.length > 0 && bytes + file.size > caps.maxBytes)) break;
    files.push(file);
    bytes += file.size;
  }
  const rest = fresh.slice(files.length);
  const oldest = rest[0]?.modified;
  return {
    ...blankEntry(request, state),
    files,
    // A rewrite taken again is reported with the batch that takes it; one left for a later
    // batch is not reported (nor seen) yet.
    rewrites: rewrites
      .filter((r) => !reprocess || files.some((f) => f.key === r.key))
      .map((r) => ({ ...r, action: reprocess ? ('reprocessed' as const) : ('skipped' as const) })),
    pending: {
      files: rest.length,
      bytes: rest.reduce((n, f) => n + f.size, 0),
      ...(oldest === undefined ? {} : { oldestModified: oldest }),
    },
  };
}

/** The next offsets entry with no objects: its number, time, caps and event time. */
function blankEntry(request: ClaimRequest, state: CheckpointState): OffsetEntry {
  const { caps } = request;
  return {
    version: 1,
    stream: request.stream,
    batch: (state.latest?.batch ?? -1) + 1,
    createdAt: new Date(request.now?.() ?? Date.now()).toISOString(),
    files: [],
    rewrites: [],
    caps: { maxFiles: caps.maxFiles, maxBytes: caps.maxBytes },
    pending: { files: 0, bytes: 0 },
    ...(request.watermarkDelayMs === undefined
      ? {}
      : { eventTime: watermark(state, request.watermarkDelayMs) }),
  };
}

/**
 * Whether a windowed stream with nothing new should run a batch anyway: the watermark has moved
 * past the one its last batch ran with (that batch saw later event times), and the open windows
 * its last commit names hold some, which the new watermark may close.
 */
async function windowsToClose(request: ClaimRequest, state: CheckpointState): Promise<boolean> {
  const { latest, latestCommit } = state;
  if (request.watermarkDelayMs === undefined || !request.openWindows || !latest || !latestCommit?.state) {
    return false;
  }
  const next = watermark(state, request.watermarkDelayMs).watermark;
  const ran = latest.eventTime?.watermark;
  if (next === undefined || (ran !== undefined && next <= ran)) return false;
  return request.openWindows(latestCommit.state);
}

/** The event time before the next batch: the latest of the last batch's and of those before it. */
function watermark(state: CheckpointState, delayMs: number): NonNullable<OffsetEntry['eventTime']> {
  const seen = [state.latest?.eventTime?.max, state.latestCommit?.eventTime?.max].filter(
    (t): t is number => t !== undefined,
  );
  if (seen.length === 0) return {};
  const max = Math.max(...seen);
  return { max, watermark: max - delayMs };
}
