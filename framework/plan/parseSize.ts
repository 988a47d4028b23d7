import { InvalidSizeError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Reads a size in bytes: a whole number, or a number with a unit. Units are binary and
 * case-insensitive: `k`, `KB` and `KiB` all mean 1024 bytes (likewise M, G, T), as in
 * Hadoop's `dfs.blocksize`. Fractions are allowed when the result is a whole number of bytes.
 *
 * @example
 * ```ts
 * parseSize('64MiB'); // 67108864
 * parseSize('512k'); // 524288
 * parseSize('1.5 MB'); // 1572864
 * parseSize('1048576'); // 1048576
 * ```
 */
export function parseSize(text: string | number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(text));
  const unit = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new InvalidSizeError(
      `Invalid size ${JSON.stringify(text)}: write a whole number of bytes or a number with a unit, ` +
        `such as 1048576, 512k, 8MB or 64MiB (units are binary: 1 KB = 1024 bytes).`,
    );
  }
  return bytes;
}
