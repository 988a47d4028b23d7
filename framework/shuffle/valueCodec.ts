import { Packr, RESET_BUFFER_MODE } from 'msgpackr';
import { ShuffleCorruptError } from './errors.js';

/**
 * The one msgpack codec of shuffle values: plain JSON-like data (objects, arrays, strings,
 * numbers, booleans, null) round-trips exactly; no records/structures, so every entry decodes
 * on its own, in any process.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/**
 * Encodes a list of values as one msgpack array. The result is a view of a shared buffer that
 * the next call overwrites: copy it (or write it out) before packing again.
 *
 * @example
 * ```ts
 * const bytes = Buffer.from(packValues([1, { a: 'x' }]));
 * ```
 */
export function packValues(values: readonly unknown[]): Buffer {
  return packr.pack(values, RESET_BUFFER_MODE);
}

/**
 * Decodes a msgpack array written by `packValues`. Throws `ShuffleCorruptError` (with `where`
 * in the message) if the bytes are not one array.
 *
 * @example
 * ```ts
 * unpackValues(Buffer.from(packValues([1, 2])), 'test'); // [1, 2]
 * ```
 */
export function unpackValues(bytes: Buffer, where: string): unknown[] {
  let values: unknown;
  try {
    values = packr.unpack(bytes);
  } catch (cause) {
    throw new ShuffleCorruptError(`cannot decode the values of ${where}: ${String(cause)}`, { cause });
  }
  if (!Array.isArray(values)) throw new ShuffleCorruptError(`the values of ${where} are not an array`);
  return values;
}

/**
 * How many values a packed array holds, from its header alone (no decoding); -1 if the bytes do
 * not start with a msgpack array header.
 *
 * @example
 * ```ts
 * countPacked(packValues([1, 2, 3])); // 3
 * ```
 */
export function countPacked(bytes: Buffer): number {
  const head = bytes[0] ?? 0;
  if (head >= 0x90 && head <= 0x9f) return head - 0x90;
  if (head === 0xdc && bytes.length >= 3) return bytes.readUInt16BE(1);
  if (head === 0xdd && bytes.length >= 5) return bytes.readUInt32BE(1);
  return -1;
}
