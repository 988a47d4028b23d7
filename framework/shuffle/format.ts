/**
 * The shuffle file format, version 1. One file per map task; spill files use it too.
 *
 * ```
 * file    := run[0] run[1] … run[R-1] index trailer
 * run     := entry*                 one per partition, back to back from byte 0
 * entry   := varint(keyLength) key varint(valuesLength) values
 * key     := encodeKey(k)           canonical, order-preserving (keyCodec.ts)
 * values  := msgpack array of the key's values, in emission order ([combined] with a combiner)
 * index   := R × (u64 offset, u64 length, u64 records, u32 crc32 of the run's bytes)   28 bytes each
 * trailer := u32 R, u32 crc32 of index, u16 version (1), u16 flags (0), "SMRS"         16 bytes
 * ```
 *
 * All integers are big-endian; varints are unsigned LEB128 below 2^32. Entries of a run are in
 * ascending key-byte order; one key may repeat in adjacent entries (a long value list is cut in
 * several entries), and a reader concatenates their values. A run is self-delimiting: its
 * length is in the index, and the entry stream has no header. A reader checks the trailer,
 * the index checksum, that runs tile the file, and while streaming a run: order, record count,
 * length and CRC-32.
 *
 * @example
 * ```ts
 * const tail = file.subarray(file.length - TRAILER_BYTES);
 * tail.toString('latin1', 12, 16) === MAGIC; // true for a shuffle file
 * ```
 */
export const MAGIC = 'SMRS';
/**
 * The format version in the trailer.
 *
 * @example
 * ```ts
 * trailer.readUInt16BE(8) === FORMAT_VERSION; // a file this code reads
 * ```
 */
export const FORMAT_VERSION = 1;
/**
 * Bytes of the fixed trailer at the very end of a file.
 *
 * @example
 * ```ts
 * const trailer = await readRange(size - TRAILER_BYTES, size);
 * ```
 */
export const TRAILER_BYTES = 16;
/**
 * Bytes of one partition's index entry.
 *
 * @example
 * ```ts
 * const footerBytes = partitions * INDEX_ENTRY_BYTES + TRAILER_BYTES;
 * ```
 */
export const INDEX_ENTRY_BYTES = 28;

/**
 * Where one partition's run is in a shuffle file, and what it holds.
 *
 * @example
 * ```ts
 * const run = store.read(key, { start: entry.offset, end: entry.offset + entry.length });
 * ```
 */
export interface RunIndexEntry {
  /** Byte offset of the run in the file. */
  readonly offset: number;
  /** Bytes of the run (0 for an empty partition). */
  readonly length: number;
  /** Entries in the run. */
  readonly records: number;
  /** CRC-32 (zlib) of the run's bytes. */
  readonly crc32: number;
}

/**
 * Bytes a varint of `n` takes (1 to 5).
 *
 * @example
 * ```ts
 * varintBytes(300); // 2
 * ```
 */
export function varintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/**
 * Writes `n` (0 to 2^32-1) as an unsigned LEB128 varint at `at`; returns the position after it.
 *
 * @example
 * ```ts
 * writeVarint(buffer, 300, 0); // 2; buffer starts ac 02
 * ```
 */
export function writeVarint(buf: Buffer, n: number, at: number): number {
  let pos = at;
  let rest = n;
  while (rest >= 0x80) {
    buf[pos++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  buf[pos++] = rest;
  return pos;
}

/**
 * A varint read by {@link readVarint}: its value and the position after it.
 *
 * @example
 * ```ts
 * const out: VarintRead = { value: 0, next: 0 };
 * ```
 */
export interface VarintRead {
  value: number;
  next: number;
}

/**
 * Reads a varint at `at` into `out`. Returns false if the buffer ends inside it (read more
 * bytes and try again); throws a plain `RangeError` if it is longer than 5 bytes or ≥ 2^32.
 *
 * @example
 * ```ts
 * const out = { value: 0, next: 0 };
 * readVarint(Buffer.from([0xac, 0x02]), 0, out); // true; out.value === 300
 * ```
 */
export function readVarint(buf: Buffer, at: number, out: VarintRead): boolean {
  let value = 0;
  let scale = 1;
  for (let pos = at; pos < buf.length; pos++) {
    const byte = buf[pos] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (value > 0xffffffff) throw new RangeError('varint above 2^32');
      out.value = value;
      out.next = pos + 1;
      return true;
    }
    scale *= 128;
    if (pos - at >= 4) throw new RangeError('varint longer than 5 bytes');
  }
  return false;
}
