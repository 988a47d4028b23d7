import type { Store } from '../store/Store.js';
import { CheckpointError } from './errors.js';
import { commitBefore, readManifest, type SnapshotLocation } from './publish.js';

/**
 * The open windows a windowed batch N builds on: the state folder batch N-1's commit names
 * (`_state/batch=<M>/`, M ≤ N-1: a batch that took no objects carries the state over) and its
 * parts, which batch N's job reads besides its files. Undefined for batch 0 and while no batch
 * ran a job. The state must hold one part per reducer of the batch that wrote it (its
 * `batch=<M>/_SUCCESS` says how many): fewer would lose open windows, so that is a
 * `CheckpointError`.
 *
 * @example
 * ```ts
 * const state = await previousState({ checkpoint, output, prefix: '', stream, batch: 7 });
 * const inputs = [...claim.files, ...(state?.files ?? [])];
 * ```
 */
export async function previousState(
  where: SnapshotLocation,
): Promise<{ readonly folder: string; readonly files: { uri: string; size: number }[] } | undefined> {
  const { output, prefix, stream, batch } = where;
  const commit = await commitBefore(where);
  if (commit?.state === undefined) return undefined;
  const folder = commit.state;
  const owner = folder.replace(/^_state\//, '');
  const manifest = await readManifest(output, `${prefix}${owner}_SUCCESS`);
  const files: { uri: string; size: number }[] = [];
  for await (const info of output.list(`${prefix}${folder}`)) {
    if (/\/part-\d+\.jsonl$/.test(info.key)) files.push({ uri: `${output.url}${info.key}`, size: info.size });
  }
  files.sort((a, b) => (a.uri < b.uri ? -1 : 1));
  if (!manifest || files.length !== manifest.reducers) {
    throw new CheckpointError(
      `stream ${stream.name}: the open windows after batch ${batch - 1} (${output.url}${prefix}${folder}) hold ${files.length} parts, ${manifest ? `its batch's _SUCCESS says ${manifest.reducers}` : `and ${owner} has no _SUCCESS`}; they were edited or lost: restore them (the bucket keeps earlier versions), or start the stream afresh with a new checkpoint and output`,
    );
  }
  return { folder, files };
}

/**
 * Whether the open windows in `folder` (`_state/batch=<M>/`, relative to the stream's output at
 * `prefix` of `output`) hold any: one of their parts is not empty. A claim's `openWindows`.
 *
 * @example
 * ```ts
 * const open = await hasOpenWindows(bucket, 'out/streams/clicks/', '_state/batch=0000000007/');
 * ```
 */
export async function hasOpenWindows(output: Store, prefix: string, folder: string): Promise<boolean> {
  for await (const info of output.list(`${prefix}${folder}`)) {
    if (/\/part-\d+\.jsonl$/.test(info.key) && info.size > 0) return true;
  }
  return false;
}
