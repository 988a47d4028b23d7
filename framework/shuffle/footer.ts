import { crc32 } from 'node:zlib';
import { ShuffleCorruptError } from './errors.js';
import { FORMAT_VERSION, INDEX_ENTRY_BYTES, MAGIC, type RunIndexEntry, TRAILER_BYTES } from './format.js';

const TWO_32 = 2 ** 32;

/**
 * The footer of a shuffle file (see format.ts): the index of its runs and the fixed trailer.
 *
 * @example
 * ```ts
 * const footer = encodeFooter([{ offset: 0, length: 0, records: 0, crc32: 0 }]);
 * ```
 */
export function encodeFooter(index: readonly RunIndexEntry[]): Buffer {
  const footer = Buffer.alloc(index.length * INDEX_ENTRY_BYTES + TRAILER_BYTES);
  let pos = 0;
  for (const run of index) {
    for (const n of [run.offset, run.length, run.records]) {
      footer.writeUInt32BE(Math.floor(n / TWO_32), pos);
      footer.writeUInt32BE(n % TWO_32, pos + 4);
      pos += 8;
    }
    footer.writeUInt32BE(run.crc32, pos);
    pos += 4;
  }
  footer.writeUInt32BE(index.length, pos);
  footer.writeUInt32BE(crc32(footer.subarray(0, pos + 4)), pos + 4);
  footer.writeUInt16BE(FORMAT_VERSION, pos + 8);
  footer.writeUInt16BE(0, pos + 10);
  footer.write(MAGIC, pos + 12, 'latin1');
  return footer;
}

/**
 * Bytes of the whole footer, read from its trailer (the last `TRAILER_BYTES` of the file).
 * Throws `ShuffleCorruptError` naming `name` if the trailer is not a stepmr shuffle trailer.
 *
 * @example
 * ```ts
 * const footerBytes = footerLength(await readRange(size - TRAILER_BYTES, size), size, key);
 * ```
 */
export function footerLength(trailer: Buffer, size: number, name: string): number {
  const at = size - TRAILER_BYTES;
  if (size < TRAILER_BYTES || trailer.length < TRAILER_BYTES) {
    fail(name, 0, `a ${size}-byte object is too short to hold a footer`);
  }
  const t = trailer.subarray(trailer.length - TRAILER_BYTES);
  if (t.toString('latin1', 12, 16) !== MAGIC) fail(name, at + 12, `bad magic ${t.toString('hex', 12, 16)}`);
  const version = t.readUInt16BE(8);
  if (version !== FORMAT_VERSION || t.readUInt16BE(10) !== 0) {
    fail(name, at + 8, `unsupported format version ${version} (this stepmr reads ${FORMAT_VERSION})`);
  }
  const bytes = t.readUInt32BE(0) * INDEX_ENTRY_BYTES + TRAILER_BYTES;
  if (bytes > size) fail(name, at, `the footer claims ${bytes} bytes of a ${size}-byte object`);
  return bytes;
}

/**
 * Parses the footer at the end of `tail` (the last bytes of a file of `size` bytes, at least
 * the whole footer) into the run index, checking the trailer, the index CRC, and that the runs
 * tile the file from byte 0 to the footer. Throws `ShuffleCorruptError` naming `name`.
 *
 * @example
 * ```ts
 * const index = parseFooter(await readFile(path), size, 'shuffle/map-0.smr');
 * ```
 */
export function parseFooter(tail: Buffer, size: number, name: string): RunIndexEntry[] {
  const length = footerLength(tail, size, name);
  if (length > tail.length) fail(name, size - tail.length, `the footer needs the last ${length} bytes`);
  const footer = tail.subarray(tail.length - length);
  const start = size - footer.length;
  const partitions = (footer.length - TRAILER_BYTES) / INDEX_ENTRY_BYTES;
  const crcAt = footer.length - TRAILER_BYTES + 4;
  if (crc32(footer.subarray(0, crcAt)) !== footer.readUInt32BE(crcAt)) {
    fail(name, start + crcAt, 'the index checksum does not match');
  }
  const index: RunIndexEntry[] = [];
  let expected = 0;
  for (let p = 0, pos = 0; p < partitions; p++, pos += INDEX_ENTRY_BYTES) {
    const [offset, length, records] = [0, 8, 16].map((d) => readU64(footer, pos + d, name, start));
    const run = { offset, length, records, crc32: footer.readUInt32BE(pos + 24) } as RunIndexEntry;
    if (run.offset !== expected || run.offset + run.length > start || run.records * 4 > run.length) {
      fail(name, start + pos, `index entry ${p} (${JSON.stringify(run)}) does not fit the file`);
    }
    expected = run.offset + run.length;
    index.push(run);
  }
  if (expected !== start)
    fail(name, start, `the runs end at byte ${expected}, the footer starts at ${start}`);
  return index;
}

/**
 * Reads the run index of a shuffle object through ranged reads: one read when `partitions` is
 * known, two otherwise. Use it on the reduce side to find a partition's run in each object.
 *
 * @example
 * ```ts
 * const index = await readShuffleIndex({
 *   name: key,
 *   size: (await store.head(key))!.size,
 *   readRange: (start, end) => store.getRange(key, { start, end }),
 * });
 * ```
 */
export async function readShuffleIndex(source: {
  readonly name: string;
  readonly size: number;
  readonly readRange: (start: number, end: number) => Promise<Buffer>;
  readonly partitions?: number;
}): Promise<RunIndexEntry[]> {
  const { name, size, readRange } = source;
  const guess = Math.min(size, TRAILER_BYTES + (source.partitions ?? 0) * INDEX_ENTRY_BYTES);
  let tail = await readRange(size - guess, size);
  const length = footerLength(tail, size, name);
  if (length > tail.length) tail = await readRange(size - length, size);
  return parseFooter(tail, size, name);
}

function readU64(buf: Buffer, at: number, name: string, start: number): number {
  const high = buf.readUInt32BE(at);
  if (high >= 2 ** 21) fail(name, start + at, 'an index number above 2^53');
  return high * TWO_32 + buf.readUInt32BE(at + 4);
}

function fail(name: string, offset: number, what: string): never {
  throw new ShuffleCorruptError(
    `${name} is not a valid shuffle file: ${what} (at byte ${offset}); rerun the map task that wrote it`,
  );
}
