import { parsePersisted, type SuccessData, successSchema } from '../contract/persisted.js';
import { type CommitEntry, type OffsetEntry, padBatch } from '../contract/stream.js';
import { BUCKET_LAYOUT } from '../deploy/layout.js';
import { ObjectNotFoundError } from '../store/errors.js';
import type { Store } from '../store/Store.js';
import { readCommit } from './checkpoint.js';
import type { PublishedBatch } from './claim.js';
import type { StreamSettings } from './defineStream.js';
import { CheckpointError } from './errors.js';
import { stateFolder } from './window.js';

/**
 * Where a deployed stream keeps its checkpoint and publishes its batches in the stack's data
 * bucket: `streams/<name>/` (the only prefix its trigger writes) and `out/streams/<name>/`
 * (under `out/`, where the functions publish). Locally they are `--output` and
 * `<output>/_checkpoint/`.
 *
 * @example
 * ```ts
 * streamPrefixes('clicks'); // { checkpoint: 'streams/clicks/', output: 'out/streams/clicks/' }
 * ```
 */
export function streamPrefixes(name: string): { readonly checkpoint: string; readonly output: string } {
  return {
    checkpoint: `${STREAMS_PREFIX}${name}/`,
    output: `${BUCKET_LAYOUT.output}${STREAMS_PREFIX}${name}/`,
  };
}

/**
 * The data bucket's folder of stream checkpoints, the only prefix a stream's trigger writes.
 *
 * @example
 * ```ts
 * const resource = `arn:aws:s3:::${bucket}/${STREAMS_PREFIX}clicks/*`;
 * ```
 */
export const STREAMS_PREFIX = 'streams/';

/**
 * The folder, relative to the stream's output, where batch N publishes: `batch=<N>/` in append
 * mode (that batch's result), `snapshot=<N>/` in update mode (the whole table after batch N).
 *
 * @example
 * ```ts
 * batchFolder('append', 3); // 'batch=0000000003/'
 * ```
 */
export function batchFolder(mode: StreamSettings['mode'], batch: number): string {
  return `${mode === 'update' ? 'snapshot' : 'batch'}=${padBatch(batch)}/`;
}

/**
 * The job id (and execution name) of a run of batch N: `<stream>-b<N>`, and `<stream>-b<N>-r<k>`
 * for its k-th re-run (an execution name cannot be reused on Step Functions).
 *
 * @example
 * ```ts
 * batchJobId('clicks', 3); // 'clicks-b3'
 * batchJobId('clicks', 3, 1); // 'clicks-b3-r1'
 * ```
 */
export function batchJobId(stream: string, batch: number, rerun = 0): string {
  return rerun === 0 ? `${stream}-b${batch}` : `${stream}-b${batch}-r${rerun}`;
}

/**
 * Whether a job id is one of batch N's runs (see {@link batchJobId}).
 *
 * @example
 * ```ts
 * isBatchJobId('clicks-b3-r1', 'clicks', 3); // true
 * ```
 */
export function isBatchJobId(jobId: string, stream: string, batch: number): boolean {
  return new RegExp(`^${stream}-b${batch}(-r\\d+)?$`).test(jobId);
}

/**
 * What batch N's output folder holds as its published result: the commit entry's fields if its
 * `_SUCCESS` is that of one of the batch's runs (its job id) and reads all the batch's objects
 * (update mode: among its other inputs), else undefined, as always for a batch that took no
 * objects (its driver commits it). This is the `published` check `claimNextBatch` takes.
 *
 * @example
 * ```ts
 * const published = (entry) => publishedBatch(output, 'out/clicks/', clicks.stream, entry);
 * ```
 */
export async function publishedBatch(
  output: Store,
  prefix: string,
  stream: Pick<StreamSettings, 'name' | 'mode' | 'window'>,
  entry: OffsetEntry,
): Promise<PublishedBatch | undefined> {
  // A batch that took no objects runs no job: its driver commits it (update mode: naming the
  // snapshot it carries over), whether it is claimed now or resumed. One that closes windows
  // runs over the open windows only.
  if (entry.files.length === 0 && !entry.closesWindows) return undefined;
  const folder = batchFolder(stream.mode, entry.batch);
  const manifest = await readManifest(output, `${prefix}${folder}_SUCCESS`);
  if (!manifest || !isBatchJobId(manifest.jobId, stream.name, entry.batch)) return undefined;
  // Update mode's runs also read the previous snapshot, so the batch's objects are a subset.
  const inputs = new Set(manifest.inputs);
  if (entry.files.some((f) => !inputs.has(f.uri))) return undefined;
  return {
    jobId: manifest.jobId,
    published: folder,
    records: manifest.records,
    bytes: manifest.bytes,
    // A windowed batch: its event times, and its open windows beside its output.
    ...(stream.window
      ? { state: stateFolder(folder), eventTime: manifest.eventTime ?? { late: 0, samples: [] } }
      : {}),
  };
}

/** Where a stream publishes, for {@link previousSnapshot}. */
export interface SnapshotLocation {
  readonly checkpoint: Store;
  /** The store of the stream's output and its prefix there (`''` locally, `out/streams/<name>/` on AWS). */
  readonly output: Store;
  readonly prefix: string;
  readonly stream: Pick<StreamSettings, 'name'>;
  /** The batch about to run. */
  readonly batch: number;
}

/**
 * The commit entry of the batch before `where.batch` (undefined for batch 0), which a batch's
 * state builds on. Its absence while batch N is claimed means the checkpoint was edited.
 *
 * @example
 * ```ts
 * const before = await commitBefore({ checkpoint, output, prefix: '', stream, batch: 7 });
 * ```
 */
export async function commitBefore(where: SnapshotLocation): Promise<CommitEntry | undefined> {
  const { checkpoint, stream, batch } = where;
  if (batch === 0) return undefined;
  const commit = await readCommit(checkpoint, stream.name, batch - 1);
  if (!commit) {
    throw new CheckpointError(
      `stream ${stream.name}: batch ${batch} is claimed but batch ${batch - 1} has no commit entry in ${checkpoint.url}; the checkpoint was edited`,
    );
  }
  return commit;
}

/**
 * The snapshot an update-mode batch N builds on: the folder batch N-1's commit names and its
 * parts, which batch N's job reads besides its files (their records pass through map to the
 * reducers). Undefined for batch 0. A commit naming a snapshot that holds no `_SUCCESS` is a
 * `CheckpointError`: the running totals are gone, and a batch over an empty table would
 * publish wrong ones.
 *
 * @example
 * ```ts
 * const previous = await previousSnapshot({ checkpoint, output, prefix: 'out/streams/clicks/', stream, batch: 7 });
 * const inputs = [...claim.files, ...(previous?.files ?? [])];
 * ```
 */
export async function previousSnapshot(
  where: SnapshotLocation,
): Promise<{ readonly folder: string; readonly files: { uri: string; size: number }[] } | undefined> {
  const { output, prefix, stream, batch } = where;
  const commit = await commitBefore(where);
  if (commit?.published === undefined) return undefined;
  const location = `${output.url}${prefix}${commit.published}`;
  const manifest = await readManifest(output, `${prefix}${commit.published}_SUCCESS`);
  if (!manifest) {
    throw new CheckpointError(
      `stream ${stream.name}: batch ${batch - 1}'s snapshot ${location} holds no _SUCCESS, so the running totals are lost; restore it (the bucket keeps earlier versions), or start the stream afresh with a new checkpoint and output`,
    );
  }
  const files = manifest.parts.map((part) => ({ uri: `${location}${part.name}`, size: part.bytes }));
  return { folder: commit.published, files };
}

/**
 * A `_SUCCESS` manifest, or undefined when there is none or it is not one stepmr wrote.
 *
 * @example
 * ```ts
 * const manifest = await readManifest(output, 'batch=0000000003/_SUCCESS');
 * ```
 */
export async function readManifest(store: Store, key: string): Promise<SuccessData | undefined> {
  let text: string;
  try {
    text = (await store.get(key)).toString('utf8');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = parsePersisted(successSchema, data);
  return parsed.ok ? parsed.value : undefined;
}
