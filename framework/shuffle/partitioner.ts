import { InvalidShuffleOptionsError } from './errors.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * MurmurHash3 (x86, 32-bit) of `bytes[start, end)`: a stable, well-spread hash that gives the same
 * number in every process, on every machine, in every run. Written out here rather than calling
 * `node:crypto` per key, which is an order of magnitude slower for short keys.
 *
 * @example
 * ```ts
 * murmur3(Buffer.from('hello')); // 0x248bfa47
 * ```
 */
export function murmur3(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  let h = seed | 0;
  const blocks = start + ((end - start) & ~3);
  let i = start;
  for (; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = end - i;
  if (tail > 0) {
    let k = bytes[i] as number;
    if (tail > 1) k |= (bytes[i + 1] as number) << 8;
    if (tail > 2) k |= (bytes[i + 2] as number) << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The reduce partition of an encoded key (from `encodeKey`): MurmurHash3 of its bytes modulo
 * `partitions`. Stable across processes, machines and runs, so every map task sends a key to
 * the same reducer.
 *
 * @example
 * ```ts
 * const partition = partitionOf(encodeKey('apple'), 8); // 0..7, the same everywhere
 * ```
 */
export function partitionOf(encodedKey: Uint8Array, partitions: number): number {
  checkPartitions(partitions);
  return murmur3(encodedKey, 0, encodedKey.length) % partitions;
}

/**
 * Throws `InvalidShuffleOptionsError` unless `partitions` is an integer in 1..65535.
 *
 * @example
 * ```ts
 * checkPartitions(8); // ok
 * ```
 */
export function checkPartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 65535) {
    throw new InvalidShuffleOptionsError(`partitions must be an integer from 1 to 65535, got ${partitions}`);
  }
}
