import type { z } from 'zod';
import { parsePersisted, shuffleMapsSchema } from '../contract/persisted.js';
import { readShuffleIndex } from '../shuffle/index.js';
import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import type { JobRef, RunIndex } from './payloads.js';

/** Bytes of one entry of the shuffle index matrix: offset, length, records, crc32 as float64. */
const ENTRY = 32;

/** The shuffle objects of a job, in map order: row `i` of every partition's index is object `i`. */
export type ShuffleMaps = z.infer<typeof shuffleMapsSchema>;

/** Keys of the two shuffle index objects of a job. */
export const shuffleIndexKeys = {
  maps: (ref: JobRef) => `${ref.prefix}shuffle-maps.json`,
  matrix: (ref: JobRef) => `${ref.prefix}shuffle-index.bin`,
} as const;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Builds a job's shuffle index from the footers of its shuffle objects: a matrix with one row
 * per partition and one entry per map task, so that a reducer reads just its row (one ranged
 * read of M × 32 bytes) whatever the numbers of map tasks and partitions. Map task outputs then
 * carry no index, and stay far below the 256 KiB state payload limit for any R.
 *
 * @example
 * ```ts
 * await writeShuffleIndex(work, ref, [{ key: 'jobs/j/shuffle/map-00000.bin', bytes: 1234 }], 8);
 * ```
 */
export async function writeShuffleIndex(
  store: Store,
  ref: JobRef,
  maps: readonly { readonly key: string; readonly bytes: number }[],
  partitions: number,
): Promise<void> {
  const indexes = await mapLimit(maps, 16, (m) =>
    readShuffleIndex({
      name: `${store.url}${m.key}`,
      size: m.bytes,
      partitions,
      readRange: (start, end) => store.getRange(m.key, { start, end }),
    }),
  );
  const matrix = Buffer.alloc(partitions * maps.length * ENTRY);
  indexes.forEach((index, i) => {
    if (index.length !== partitions) {
      throw new TaskInputError(
        `${store.url}${maps[i]?.key} has ${index.length} partitions, the job has ${partitions}`,
      );
    }
    index.forEach((run, p) => {
      const at = (p * maps.length + i) * ENTRY;
      matrix.writeDoubleBE(run.offset, at);
      matrix.writeDoubleBE(run.length, at + 8);
      matrix.writeDoubleBE(run.records, at + 16);
      matrix.writeDoubleBE(run.crc32, at + 24);
    });
  });
  const list: ShuffleMaps = { version: 1, keys: maps.map((m) => m.key), partitions };
  await store.put(shuffleIndexKeys.matrix(ref), matrix);
  await store.put(shuffleIndexKeys.maps(ref), JSON.stringify(list));
}

/**
 * Reads the list of a job's shuffle objects (`shuffle-maps.json`), once per reduce task: not
 * cached per process, so a task's requests do not depend on which warm worker runs it.
 *
 * @example
 * ```ts
 * const maps = await readShuffleMaps(work, ref);
 * ```
 */
export async function readShuffleMaps(store: Store, ref: JobRef): Promise<ShuffleMaps> {
  const where = `${store.url}${shuffleIndexKeys.maps(ref)}`;
  const parsed = parsePersisted(
    shuffleMapsSchema,
    JSON.parse((await store.get(shuffleIndexKeys.maps(ref))).toString('utf8')),
  );
  if (!parsed.ok) throw new TaskInputError(`${where} is not a stepmr shuffle index: ${parsed.error}`);
  return parsed.value;
}

/**
 * Reads one partition's row of the shuffle index (one ranged GET): where its run is in every
 * shuffle object that `maps` lists.
 *
 * @example
 * ```ts
 * const maps = await readShuffleMaps(work, ref);
 * for (const { key, run } of await readPartitionRuns(work, ref, maps, 3)) console.log(key, run.length);
 * ```
 */
export async function readPartitionRuns(
  store: Store,
  ref: JobRef,
  maps: ShuffleMaps,
  partition: number,
): Promise<{ key: string; run: RunIndex }[]> {
  const m = maps.keys.length;
  if (m === 0) return [];
  const row = await store.getRange(shuffleIndexKeys.matrix(ref), {
    start: partition * m * ENTRY,
    end: (partition + 1) * m * ENTRY,
  });
  if (row.length !== m * ENTRY) {
    throw new TaskInputError(`the shuffle index of job ${ref.jobId} has no row for partition ${partition}`);
  }
  return maps.keys.map((key, i) => ({
    key,
    run: {
      offset: row.readDoubleBE(i * ENTRY),
      length: row.readDoubleBE(i * ENTRY + 8),
      records: row.readDoubleBE(i * ENTRY + 16),
      crc32: row.readDoubleBE(i * ENTRY + 24),
    },
  }));
}
