import type { Key } from '../job/types.js';
import { decodeKey } from './keyCodec.js';
import { RunCursor, type RunSource } from './RunCursor.js';
import { RunMerger } from './RunMerger.js';
import { unpackValues } from './valueCodec.js';

/** One key and all its values, as the reduce side sees it. */
export interface KeyGroup<K extends Key, V> {
  readonly key: K;
  readonly values: V[];
}

/** Options of {@link mergeRuns}. */
export interface MergeRunsOptions {
  /**
   * Per run (same order as `runs`): its object name and offset for error messages, and the
   * index entry to verify it against (length, records, CRC-32). @default no names, no checks
   */
  readonly sources?: readonly (RunSource | undefined)[];
}

/**
 * Merges sorted runs (one partition's run from each shuffle object) into key groups, streaming:
 * keys come in ascending encoded order (see `encodeKey`), each with the values of that key from
 * every run concatenated in run order. Each run is parsed incrementally from its chunks, so
 * memory holds one entry per run plus the current key's values. Throws `ShuffleCorruptError`
 * naming the object and byte offset on bad data.
 *
 * @example
 * ```ts
 * const runs = objects.map(({ key, run }) => store.read(key, { start: run.offset, end: run.offset + run.length }));
 * for await (const { key, values } of mergeRuns<string, number>(runs)) {
 *   write(key, values.reduce((a, b) => a + b, 0));
 * }
 * ```
 */
export async function* mergeRuns<K extends Key, V>(
  runs: readonly (AsyncIterable<Uint8Array> | Uint8Array)[],
  options: MergeRunsOptions = {},
): AsyncGenerator<KeyGroup<K, V>> {
  const cursors = runs.map(
    (chunks, i) => new RunCursor(chunks, options.sources?.[i] ?? { name: `run ${i}` }),
  );
  const merger = new RunMerger(cursors);
  try {
    let more = await merger.next();
    while (more) {
      const key = merger.cursor.key;
      const values = unpackValues(merger.cursor.values, merger.cursor.where) as V[];
      for (;;) {
        const next = merger.next();
        more = typeof next === 'boolean' ? next : await next;
        if (!more || !merger.cursor.key.equals(key)) break;
        const extra = unpackValues(merger.cursor.values, merger.cursor.where) as V[];
        for (const value of extra) values.push(value);
      }
      yield { key: decodeKey(key) as K, values };
    }
  } finally {
    await merger.close();
  }
}

/**
 * Reads a whole run held in memory (e.g. from `store.getRange`) into key groups, in order;
 * adjacent entries of one key are joined. Throws `ShuffleCorruptError` on bad data.
 *
 * @example
 * ```ts
 * const groups = readRun(await store.getRange(key, { start: run.offset, end: run.offset + run.length }));
 * ```
 */
export function readRun<K extends Key, V>(run: Uint8Array, source: RunSource = {}): KeyGroup<K, V>[] {
  const cursor = new RunCursor(run, source);
  const groups: KeyGroup<K, V>[] = [];
  let last: Buffer | undefined;
  while (cursor.next() === true) {
    const values = unpackValues(cursor.values, cursor.where) as V[];
    const previous = groups.at(-1);
    if (previous !== undefined && last?.equals(cursor.key)) {
      for (const value of values) previous.values.push(value);
    } else {
      groups.push({ key: decodeKey(cursor.key) as K, values });
    }
    last = cursor.key;
  }
  return groups;
}
