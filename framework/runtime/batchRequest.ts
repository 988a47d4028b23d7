import type { OffsetEntry } from '../contract/stream.js';
import { resolveOptions } from '../job/options.js';
import type { InputFile } from '../plan/listInputs.js';
import type { Store } from '../store/Store.js';
import type { PublishedBatch } from '../stream/claim.js';
import type { Stream } from '../stream/defineStream.js';
import { batchFolder, batchJobId, previousSnapshot } from '../stream/publish.js';
import { previousState } from '../stream/windowState.js';
import type { JobRequest } from './planRun.js';
import { splitsPerTaskFor } from './splitsPerTask.js';

/** Where a stream keeps its checkpoint and publishes: locally its output folder, on AWS `out/streams/<name>/`. */
export interface BatchLocation {
  readonly checkpoint: Store;
  /** The store the stream publishes in; its `url` plus `prefix` is the stream's output URI. */
  readonly output: Store;
  /** `''` locally, `out/streams/<name>/` in the stack's bucket. */
  readonly prefix: string;
}

/** The state a batch builds on: update mode's snapshot, or a windowed stream's open windows. */
export interface PreviousState {
  /** Relative to the stream's output: `snapshot=<M>/` or `_state/batch=<M>/`. */
  readonly folder: string;
  readonly files: readonly InputFile[];
}

/** What {@link batchRequest} resolves with. */
export interface BatchRequest {
  /** Where the batch publishes, relative to the stream's output: `batch=<N>/` or `snapshot=<N>/`. */
  readonly folder: string;
  /** The state it builds on, if any. */
  readonly previous: PreviousState | undefined;
  /** Whether its reducers merge `previous` (else its map stage reads it as input). */
  readonly merge: boolean;
  /** The run request's fields for the batch; the caller adds `module`, `jobId` and its own options. */
  readonly request: Pick<
    JobRequest,
    | 'job'
    | 'name'
    | 'inputs'
    | 'files'
    | 'output'
    | 'badRecords'
    | 'splitsPerTask'
    | 'window'
    | 'state'
    | 'callKeys'
  >;
}

/**
 * Turns a claimed batch into its run request, the same for the embedded runner and the
 * deployed trigger: its objects (its exact URIs, which `_SUCCESS` lists and the claim checks a
 * published batch by), the window and the watermark the claim fixed in `offsets/<N>`, and the
 * previous state (update mode's snapshot, a windowed stream's open windows), which reduce task p
 * merges partition by partition when it holds one part per reducer, or the map stage reads as
 * input otherwise (or with `stateMerge: false`).
 *
 * @example
 * ```ts
 * const { request, folder } = await batchRequest(stream, claim.entry, { checkpoint, output, prefix: '' });
 * await new Driver(backend).run({ ...request, module, jobId: batchJobId(stream.stream.name, claim.batch) });
 * ```
 */
export async function batchRequest(
  stream: Stream,
  entry: OffsetEntry,
  where: BatchLocation,
  stateMerge = true,
): Promise<BatchRequest> {
  const settings = stream.stream;
  const folder = batchFolder(settings.mode, entry.batch);
  const previous = await previousOf(stream, entry.batch, where);
  const options = resolveOptions(stream, {});
  // A batch of no objects that closes windows reads the open windows as its only input.
  const merge =
    previous !== undefined &&
    stateMerge &&
    entry.files.length > 0 &&
    samePartitions(previous.files, options.reducers);
  const state = previous && !merge ? previous.files : [];
  const files = [...entry.files.map((f) => ({ uri: f.uri, size: f.size })), ...state];
  const outputUri = `${where.output.url}${where.prefix}`;
  const watermark = entry.eventTime?.watermark;
  return {
    folder,
    previous,
    merge,
    request: {
      job: stream,
      name: settings.name,
      inputs: files.map((f) => f.uri),
      files,
      output: `${outputUri}${folder}`,
      badRecords: settings.badRecords,
      // A delegating stream's calls are named after the batch, whatever run of it this is (a
      // re-run `-r<k>` sends the first run's Idempotency-Keys).
      callKeys: batchJobId(settings.name, entry.batch),
      // Many small objects share a map task: a batch of 300 files of 1 KiB runs one.
      splitsPerTask: splitsPerTaskFor(files, options.splitSize),
      ...(settings.window
        ? { window: { sizeMs: settings.window.sizeMs, ...(watermark === undefined ? {} : { watermark }) } }
        : {}),
      ...(merge && previous ? { state: { uri: `${outputUri}${previous.folder}` } } : {}),
    },
  };
}

/**
 * The state batch N builds on: update mode's snapshot, a windowed stream's open windows, or
 * undefined (append mode, batch 0, or nothing published yet).
 *
 * @example
 * ```ts
 * const previous = await previousOf(stream, 7, { checkpoint, output, prefix: '' });
 * ```
 */
export async function previousOf(
  stream: Stream,
  batch: number,
  where: BatchLocation,
): Promise<PreviousState | undefined> {
  const settings = stream.stream;
  const at = { ...where, stream: settings, batch };
  if (settings.mode === 'update') return previousSnapshot(at);
  return settings.window ? previousState(at) : undefined;
}

/**
 * The commit entry's fields of a batch that took no objects (it only skipped rewritten ones)
 * and ran no job: update mode names the snapshot it carries over, a windowed stream the open
 * windows it carries over, with no event times seen.
 *
 * @example
 * ```ts
 * await commitBatch(checkpoint, claim.entry, carriedOver(stream, await previousOf(stream, claim.batch, where)));
 * ```
 */
export function carriedOver(stream: Stream, previous: PreviousState | undefined): PublishedBatch {
  const settings = stream.stream;
  const none = { in: 0, out: 0 };
  return {
    records: none,
    bytes: none,
    ...(previous && settings.mode === 'update' ? { published: previous.folder } : {}),
    ...(settings.window
      ? { ...(previous ? { state: previous.folder } : {}), eventTime: { late: 0, samples: [] } }
      : {}),
  };
}

/** Whether a state's parts are `part-<p>.jsonl` for exactly the partitions 0..reducers-1. */
function samePartitions(files: readonly InputFile[], reducers: number): boolean {
  const parts = files.map((f) => /\/part-(\d+)\.jsonl$/.exec(f.uri)?.[1]).map(Number);
  return parts.length === reducers && parts.sort((a, b) => a - b).every((p, i) => p === i);
}
