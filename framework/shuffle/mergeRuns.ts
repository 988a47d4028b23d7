import type { Key } from '../job/types.js';
import { decodeKey } from './keyCodec.js';
import { type KeyAt, RunCursor, type RunSource } from './RunCursor.js';
import { RunMerger } from './RunMerger.js';
import { unpackValues } from './valueCodec.js';

/**
 * One key and all its values, as the reduce side sees it.
 *
 * @example
 * ```ts
 * const group: KeyGroup<string, number> = { key: 'apple', values: [3, 4] };
 * ```
 */
export interface KeyGroup<K extends Key, V> {
  readonly key: K;
  readonly values: V[];
}

/**
 * Options of {@link mergeRuns}.
 *
 * @example
 * ```ts
 * const options: MergeRunsOptions = { sources: objects.map(({ key, run }) => ({ name: key, offset: run.offset, check: run })) };
 * ```
 */
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
 * naming the object and byte offset on bad data. {@link mergeRunBatches} gives the same groups
 * a few hundred at a time, for a loop that would otherwise pay an `await` per key.
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
  for await (const batch of mergeRunBatches<K, V>(runs, options)) yield* batch;
}

/** Groups in one batch of {@link mergeRunBatches}, at most. */
const BATCH_GROUPS = 256;
/** Values in one batch, at most (a batch always holds at least one group). */
const BATCH_VALUES = 4096;

/**
 * {@link mergeRuns} in batches: the same key groups in the same order, in arrays of up to 256
 * groups (fewer when their values pass 4096), so the consumer awaits once per batch rather than
 * once per key.
 *
 * @example
 * ```ts
 * for await (const batch of mergeRunBatches<string, number>(runs)) {
 *   for (const { key, values } of batch) write(key, values.length);
 * }
 * ```
 */
export async function* mergeRunBatches<K extends Key, V>(
  runs: readonly (AsyncIterable<Uint8Array> | Uint8Array)[],
  options: MergeRunsOptions = {},
): AsyncGenerator<KeyGroup<K, V>[]> {
  const cursors = runs.map(
    (chunks, i) => new RunCursor(chunks, options.sources?.[i] ?? { name: `run ${i}` }),
  );
  const merger = new RunMerger(cursors);
  try {
    let batch: KeyGroup<K, V>[] = [];
    let held = 0;
    let more = await merger.next();
    while (more) {
      const first = merger.cursor;
      const { bytes, keyStart, keyEnd, prefix } = first;
      const values = unpackValues(bytes, first.valuesStart, first.valuesEnd, first) as V[];
      for (;;) {
        const next = merger.next();
        more = typeof next === 'boolean' ? next : await next;
        if (!more) break;
        const cursor = merger.cursor;
        if (!cursor.hasKey(bytes, keyStart, keyEnd, prefix)) break;
        const extra = unpackValues(cursor.bytes, cursor.valuesStart, cursor.valuesEnd, cursor) as V[];
        for (const value of extra) values.push(value);
      }
      batch.push({ key: decodeKey(bytes.subarray(keyStart, keyEnd)) as K, values });
      held += values.length;
      if (batch.length >= BATCH_GROUPS || held >= BATCH_VALUES) {
        yield batch;
        batch = [];
        held = 0;
      }
    }
    if (batch.length > 0) yield batch;
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
  let previous: KeyAt = { bytes: Buffer.alloc(0), start: 0, end: 0, prefix: -1 };
  while (cursor.next() === true) {
    const values = unpackValues(cursor.bytes, cursor.valuesStart, cursor.valuesEnd, cursor) as V[];
    const group = groups.at(-1);
    if (group !== undefined && cursor.hasKey(previous.bytes, previous.start, previous.end, previous.prefix)) {
      for (const value of values) group.values.push(value);
    } else {
      groups.push({ key: decodeKey(cursor.key) as K, values });
    }
    previous = { bytes: cursor.bytes, start: cursor.keyStart, end: cursor.keyEnd, prefix: cursor.prefix };
  }
  return groups;
}
