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
 * Packs the one-number array `[value]` into `out` at 0 as msgpack, as msgpackr would (ints in
 * 32 bits as ints, others as float64), without a call into msgpackr; returns the byte length.
 * The hot case of combined counts and sums.
 *
 * @example
 * ```ts
 * const out = Buffer.alloc(16);
 * unpackValues(out.subarray(0, packOneNumber(42, out)), 'test'); // [42]
 * ```
 */
export function packOneNumber(value: number, out: Buffer): number {
  out[0] = 0x91;
  if (value >>> 0 === value) {
    if (value < 0x80) {
      out[1] = value;
      return 2;
    }
    if (value < 0x100) return header(out, 0xcc, out.writeUInt8(value, 2));
    if (value < 0x10000) return header(out, 0xcd, out.writeUInt16BE(value, 2));
    return header(out, 0xce, out.writeUInt32BE(value, 2));
  }
  if (value >> 0 === value) {
    if (value >= -0x20) {
      out[1] = 0x100 + value;
      return 2;
    }
    if (value >= -0x80) return header(out, 0xd0, out.writeInt8(value, 2));
    if (value >= -0x8000) return header(out, 0xd1, out.writeInt16BE(value, 2));
    return header(out, 0xd2, out.writeInt32BE(value, 2));
  }
  return header(out, 0xcb, out.writeDoubleBE(value, 2));
}

/** Writes a msgpack type byte at 1; `end` is where the number written after it ends. */
function header(out: Buffer, type: number, end: number): number {
  out[1] = type;
  return end;
}

/**
 * Decodes `bytes[start, end)`, a msgpack array written by `packValues`. Throws
 * `ShuffleCorruptError` naming `at.where` (read only then) if the bytes are not one array.
 *
 * @example
 * ```ts
 * const bytes = Buffer.from(packValues([1, 2]));
 * unpackValues(bytes, 0, bytes.length, { where: 'test' }); // [1, 2]
 * ```
 */
export function unpackValues(
  bytes: Buffer,
  start: number,
  end: number,
  at: { readonly where: string },
): unknown[] {
  if (end <= start) throw new ShuffleCorruptError(`the values of ${at.where} are empty`);
  if (bytes[start] === 0x91 && end - start <= 10) {
    const one = unpackOneNumber(bytes, start, end);
    if (one !== undefined) return [one];
  }
  let values: unknown;
  try {
    values = packr.unpack(bytes, { start, end });
  } catch (cause) {
    throw new ShuffleCorruptError(`cannot decode the values of ${at.where}: ${String(cause)}`, { cause });
  }
  if (!Array.isArray(values)) throw new ShuffleCorruptError(`the values of ${at.where} are not an array`);
  return values;
}

/**
 * How many values a packed array holds, from its header alone (no decoding); -1 if the bytes do
 * not start with a msgpack array header.
 *
 * @example
 * ```ts
 * countPacked(packValues([1, 2, 3])); // 3 (of bytes[start, end), by default the whole buffer)
 * ```
 */
export function countPacked(bytes: Buffer, start = 0, end = bytes.length): number {
  const head = bytes[start] ?? 0;
  if (head >= 0x90 && head <= 0x9f) return head - 0x90;
  if (head === 0xdc && end - start >= 3) return bytes.readUInt16BE(start + 1);
  if (head === 0xdd && end - start >= 5) return bytes.readUInt32BE(start + 1);
  return -1;
}

/** The number of a one-number array as `packOneNumber` writes it; undefined for anything else. */
function unpackOneNumber(b: Buffer, start: number, end: number): number | undefined {
  const type = b[start + 1] as number;
  const size = end - start - 2;
  const at = start + 2;
  if (type < 0x80 || type >= 0xe0) return size === 0 ? (type < 0x80 ? type : type - 0x100) : undefined;
  switch (type) {
    case 0xcc:
      return size === 1 ? b.readUInt8(at) : undefined;
    case 0xcd:
      return size === 2 ? b.readUInt16BE(at) : undefined;
    case 0xce:
      return size === 4 ? b.readUInt32BE(at) : undefined;
    case 0xd0:
      return size === 1 ? b.readInt8(at) : undefined;
    case 0xd1:
      return size === 2 ? b.readInt16BE(at) : undefined;
    case 0xd2:
      return size === 4 ? b.readInt32BE(at) : undefined;
    case 0xcb:
      return size === 8 ? b.readDoubleBE(at) : undefined;
    default:
      return undefined;
  }
}
