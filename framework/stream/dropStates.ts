import type { Store } from '../store/Store.js';

/** A state folder's name as stepmr writes it (`snapshot=<10 digits>`, or under `_state/`, `batch=<10 digits>`). */
const STATE_NAME = /^(?:snapshot|batch)=\d{10}$/;

/**
 * Removes a stream's states that no batch needs any more, in its output `prefix` of `store`:
 * `kept` is the state the batch now starting builds on (`snapshot=<M>/` in update mode,
 * `_state/batch=<M>/` for a windowed stream); it stays, and so does the newest state before it
 * (its readers have had a whole batch to finish); older ones go. Only folders named as stepmr
 * names its states are touched, and none newer than `kept` (a batch in flight writes there).
 * Resolves with the folders removed.
 *
 * @example
 * ```ts
 * await dropOldStates(bucket, 'out/streams/clicks/', 'snapshot=0000000007/');
 * // snapshot=0000000006/ and the newer ones stay; snapshot=0000000005/ and older are deleted
 * ```
 */
export async function dropOldStates(store: Store, prefix: string, kept: string): Promise<string[]> {
  // Update mode's snapshots, or a windowed stream's open windows; never published batches.
  const match = /^(?:()(snapshot=\d{10})|(_state\/)(batch=\d{10}))\/$/.exec(kept);
  if (!match) throw new Error(`not a state folder: ${JSON.stringify(kept)}`);
  const parent = match[3] ?? '';
  const keptName = match[2] ?? match[4] ?? '';
  const kind = keptName.slice(0, keptName.indexOf('=') + 1);
  const base = `${prefix}${parent}`;
  const keys = new Map<string, string[]>();
  for await (const { key } of store.list(`${base}${kind}`)) {
    const name = key.slice(base.length).split('/')[0] ?? '';
    if (!STATE_NAME.test(name) || name >= keptName || !key.startsWith(`${base}${name}/`)) continue;
    keys.set(name, [...(keys.get(name) ?? []), key]);
  }
  // Padded numbers: names sort as their batches do. The newest older one stays.
  const dropped = [...keys.keys()].sort().slice(0, -1);
  const doomed = dropped.flatMap((name) => keys.get(name) ?? []);
  if (doomed.length > 0) await store.delete(doomed);
  return dropped.map((name) => `${parent}${name}/`);
}
