/** Test helpers: emitted pairs, their plain group-by, and shuffle files read back. */
import { readFileSync } from 'node:fs';
import type { Key } from '../../../framework/job/types.js';
import { type KeyGroup, parseFooter, type RunIndexEntry, readRun } from '../../../framework/shuffle/index.js';
import { keyId, normalize, randomKey, rng } from './keys.js';

export type Pair = readonly [Key, number];

/** Emitted pairs over a pool of keys of every kind, with Zipf-ish repeats. */
export function emittedPairs(count: number, seed: number, poolSize = 300): Pair[] {
  const random = rng(seed);
  const pool: Key[] = Array.from({ length: poolSize }, (_, i) =>
    i % 4 === 0 ? randomKey(random) : i % 4 === 1 ? `w${i}` : i % 4 === 2 ? `a-long-word-number-${i}` : i,
  );
  return Array.from({ length: count }, (_, i) => {
    const rank = Math.floor(poolSize * random() ** 3);
    return [pool[rank] as Key, i % 7] as const;
  });
}

/** A plain Map group-by: key id → [key, values in emission order]. */
export function groupBy(pairs: readonly Pair[]): Map<string, { key: Key; values: number[] }> {
  const groups = new Map<string, { key: Key; values: number[] }>();
  for (const [key, value] of pairs) {
    const id = keyId(key);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, { key: normalize(key), values: [value] });
    else group.values.push(value);
  }
  return groups;
}

/** A shuffle file read whole: its index and each partition's key groups. */
export function readShuffleFile(path: string): {
  file: Buffer;
  index: RunIndexEntry[];
  partitions: KeyGroup<Key, unknown>[][];
} {
  const file = readFileSync(path);
  const index = parseFooter(file, file.length, path);
  const partitions = index.map((run) =>
    readRun<Key, unknown>(file.subarray(run.offset, run.offset + run.length), {
      name: path,
      offset: run.offset,
      check: run,
    }),
  );
  return { file, index, partitions };
}

/** The bytes of `data` as chunks of `size` bytes (the last one shorter), asynchronously. */
export async function* chunksOf(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}
