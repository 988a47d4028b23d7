import type { Split } from '../job/types.js';
import { InvalidSizeError } from './errors.js';
import type { InputFile } from './listInputs.js';

/**
 * How much longer than `splitSize` a file's last split may be: a remainder of up to 10% of a
 * split joins the split before it rather than becoming a task of its own (Hadoop's split slop).
 */
export const SPLIT_SLOP = 1.1;

/**
 * Cuts input files into splits of `splitSize` bytes, numbered from 0 in file order; a file's
 * last split holds the rest, up to `SPLIT_SLOP` × `splitSize`. A `.gz` file cannot be read from the middle, so it is one
 * split covering the whole object, marked `compression: 'gzip'`. Empty files have no records
 * and get no split.
 *
 * @example
 * ```ts
 * makeSplits([{ uri: 'file:///in.txt', size: 250 }], 100);
 * // [{ id: 0, start: 0, end: 100, … }, { id: 1, start: 100, end: 200, … }, { id: 2, start: 200, end: 250, … }]
 * ```
 */
export function makeSplits(files: readonly InputFile[], splitSize: number): Split[] {
  if (!Number.isSafeInteger(splitSize) || splitSize < 1) {
    throw new InvalidSizeError(
      `Invalid split size ${splitSize}: use a whole number of bytes, at least 1 (e.g. 64MiB).`,
    );
  }
  const splits: Split[] = [];
  for (const { uri, size } of files) {
    if (size === 0) continue;
    if (/\.gz$/i.test(uri)) {
      splits.push({ id: splits.length, uri, start: 0, end: size, size, compression: 'gzip' });
      continue;
    }
    let start = 0;
    while ((size - start) / splitSize > SPLIT_SLOP) {
      splits.push({ id: splits.length, uri, start, end: start + splitSize, size });
      start += splitSize;
    }
    splits.push({ id: splits.length, uri, start, end: size, size });
  }
  return splits;
}
