import {
  type CommitEntry,
  type CompactEntry,
  commitEntrySchema,
  compactEntrySchema,
  type OffsetEntry,
  offsetEntrySchema,
  streamKeys,
} from '../contract/stream.js';
import { ObjectNotFoundError, PreconditionFailedError } from '../store/errors.js';
import type { Store } from '../store/Store.js';
import { CheckpointError } from './errors.js';

/**
 * A compaction is written once the last committed batch is this many past the previous one.
 *
 * @example
 * ```ts
 * const due = committed + 1 - (compacted + 1) >= COMPACT_EVERY;
 * ```
 */
export const COMPACT_EVERY = 10;

/**
 * Offsets and commit entries kept before the latest compaction (for inspection and slow readers).
 *
 * @example
 * ```ts
 * const old = (batch: number) => batch < compacted - RETAIN;
 * ```
 */
export const RETAIN = 10;

/** An object a batch took (or skipped as a rewrite), as the seen set keeps it. */
export interface Seen {
  readonly version: string;
  readonly batch: number;
}

/** What a stream's checkpoint says now. */
export interface CheckpointState {
  /** The highest offsets entry: the batch claimed last. */
  readonly latest: OffsetEntry | undefined;
  /** Its commit entry, if it has one. */
  readonly latestCommit: CommitEntry | undefined;
  /** Every object in an offsets entry (taken or skipped), by key, with the version it had. */
  readonly seen: ReadonlyMap<string, Seen>;
  /** The batch of the latest compaction, if any. */
  readonly compacted: number | undefined;
}

/** Reads and parses one checkpoint entry; a malformed one names its key. */
async function readEntry<T>(
  checkpoint: Store,
  key: string,
  schema: { safeParse(data: unknown): { success: true; data: T } | { success: false; error: Error } },
): Promise<T> {
  const text = (await checkpoint.get(key)).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(`checkpoint entry ${checkpoint.url}${key} is not JSON`, { cause });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CheckpointError(
      `checkpoint entry ${checkpoint.url}${key} is malformed (${parsed.error.message}); it was not written by this version of stepmr, or was edited`,
    );
  }
  return parsed.data;
}

/** The batch numbers of the entries under `folder/`, ascending. */
async function batchesIn(checkpoint: Store, folder: 'offsets' | 'commits' | 'compact'): Promise<number[]> {
  const batches: number[] = [];
  for await (const { key } of checkpoint.list(`${folder}/`)) {
    const batch = streamKeys.batchOf(key);
    if (batch !== undefined) batches.push(batch);
  }
  return batches.sort((a, b) => a - b);
}

function checkStream(entry: { stream: string; batch: number }, stream: string, key: string, url: string) {
  if (entry.stream !== stream || streamKeys.batchOf(key) !== entry.batch) {
    throw new CheckpointError(
      `checkpoint entry ${url}${key} belongs to stream ${JSON.stringify(entry.stream)} batch ${entry.batch}, not to stream ${JSON.stringify(stream)}: each stream needs a checkpoint of its own`,
    );
  }
}

/**
 * Reads an offsets entry of `stream`, parsed and checked to be that stream's.
 *
 * @example
 * ```ts
 * const entry = await readOffsets(checkpoint, 'clicks', 3);
 * ```
 */
export async function readOffsets(checkpoint: Store, stream: string, batch: number): Promise<OffsetEntry> {
  const key = streamKeys.offsets(batch);
  const entry = await readEntry(checkpoint, key, offsetEntrySchema);
  checkStream(entry, stream, key, checkpoint.url);
  return entry;
}

/**
 * Reads the commit entry of a batch, or undefined when the batch is not committed.
 *
 * @example
 * ```ts
 * const commit = await readCommit(checkpoint, 'clicks', 3);
 * if (commit?.published) console.log(`read ${commit.published}`);
 * ```
 */
export async function readCommit(
  checkpoint: Store,
  stream: string,
  batch: number,
): Promise<CommitEntry | undefined> {
  const key = streamKeys.commits(batch);
  try {
    const entry = await readEntry(checkpoint, key, commitEntrySchema);
    checkStream(entry, stream, key, checkpoint.url);
    return entry;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Reads a stream's checkpoint: the latest compaction, the offsets entries after it, and whether
 * the latest batch is committed. The offsets are listed before the compactions, so an entry a
 * concurrent compaction deleted is covered by the compaction this read finds; an entry deleted
 * between listing and reading makes the read start over.
 *
 * @example
 * ```ts
 * const { latest, latestCommit, seen } = await readCheckpoint(checkpoint, 'clicks');
 * ```
 */
export async function readCheckpoint(checkpoint: Store, stream: string): Promise<CheckpointState> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readOnce(checkpoint, stream);
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError) || attempt >= 4) throw error;
    }
  }
}

async function readOnce(checkpoint: Store, stream: string): Promise<CheckpointState> {
  const offsets = await batchesIn(checkpoint, 'offsets');
  const compactions = await batchesIn(checkpoint, 'compact');
  const compacted = compactions.at(-1);
  const seen = new Map<string, Seen>();
  if (compacted !== undefined) {
    const key = streamKeys.compact(compacted);
    const compact: CompactEntry = await readEntry(checkpoint, key, compactEntrySchema);
    checkStream(compact, stream, key, checkpoint.url);
    for (const { key: object, version, batch } of compact.seen) seen.set(object, { version, batch });
  }
  let latest: OffsetEntry | undefined;
  for (const batch of offsets) {
    if (compacted !== undefined && batch <= compacted) continue;
    const entry = await readOffsets(checkpoint, stream, batch);
    for (const file of entry.files) seen.set(file.key, { version: file.version, batch });
    for (const rewrite of entry.rewrites) seen.set(rewrite.key, { version: rewrite.version, batch });
    latest = entry;
  }
  const last = offsets.at(-1);
  if (latest === undefined && last !== undefined) latest = await readOffsets(checkpoint, stream, last);
  const latestCommit = latest && (await readCommit(checkpoint, stream, latest.batch));
  return { latest, latestCommit, seen, compacted };
}

/**
 * Writes batch N's commit entry, once: a second writer of the same commit finds it there and
 * resolves with the one written first.
 *
 * @example
 * ```ts
 * await writeCommit(checkpoint, { version: 1, stream: 'clicks', batch: 3, committedAt, records, bytes });
 * ```
 */
export async function writeCommit(checkpoint: Store, commit: CommitEntry): Promise<CommitEntry> {
  try {
    await checkpoint.putIfAbsent(streamKeys.commits(commit.batch), `${JSON.stringify(commit)}\n`);
    return commit;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    const existing = await readCommit(checkpoint, commit.stream, commit.batch);
    if (!existing) throw error;
    return existing;
  }
}

/**
 * Compacts the seen set once the last committed batch is {@link COMPACT_EVERY} past the
 * previous compaction: writes `compact/<committed>` (every object of batches 0..committed,
 * sorted by key, so concurrent writers write the same bytes), then deletes offsets and commit
 * entries more than {@link RETAIN} batches older and every compaction but the last two. A
 * claim therefore lists at most about `COMPACT_EVERY + RETAIN` entries, and reads one
 * compaction and at most `COMPACT_EVERY` offsets entries.
 *
 * @example
 * ```ts
 * await compactIfDue(checkpoint, 'clicks', await readCheckpoint(checkpoint, 'clicks'), 19);
 * ```
 */
export async function compactIfDue(
  checkpoint: Store,
  stream: string,
  state: CheckpointState,
  committed: number,
): Promise<boolean> {
  if (committed + 1 - (state.compacted === undefined ? 0 : state.compacted + 1) < COMPACT_EVERY) return false;
  const seen = [...state.seen.entries()]
    .filter(([, s]) => s.batch <= committed)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, s]) => ({ key, version: s.version, batch: s.batch }));
  const entry: CompactEntry = { version: 1, stream, batch: committed, seen };
  try {
    await checkpoint.putIfAbsent(streamKeys.compact(committed), `${JSON.stringify(entry)}\n`);
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  const old = (batch: number) => batch < committed - RETAIN;
  const keys = [
    ...(await batchesIn(checkpoint, 'offsets')).filter(old).map(streamKeys.offsets),
    ...(await batchesIn(checkpoint, 'commits')).filter(old).map(streamKeys.commits),
    ...(await batchesIn(checkpoint, 'compact')).slice(0, -2).map(streamKeys.compact),
  ];
  if (keys.length > 0) await checkpoint.delete(keys);
  return true;
}
