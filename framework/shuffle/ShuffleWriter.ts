import { crc32 } from 'node:zlib';
import { encodeFooter } from './footer.js';
import { type RunIndexEntry, varintBytes, writeVarint } from './format.js';
import { packOneNumber, packValues } from './valueCodec.js';

/**
 * Where a {@link ShuffleWriter} sends full chunks, synchronously and in order. The chunk is
 * reused once the call returns: write it out or copy it.
 *
 * @example
 * ```ts
 * const sink: ChunkSink = (chunk) => writeSync(fd, chunk);
 * ```
 */
export type ChunkSink = (chunk: Buffer) => void;

/**
 * Writes one shuffle file (see format.ts) through a chunk buffer: entries are copied into a
 * 1 MiB chunk that goes to the sink when full, so the file gets one write per MiB, not one per
 * entry. Call `beginRun`/`endRun` once per partition in order, then `finish`.
 *
 * @example
 * ```ts
 * const writer = new ShuffleWriter((chunk) => writeSync(fd, chunk));
 * writer.beginRun();
 * writer.writeEntry(key, 0, key.length, packValues([1]));
 * writer.endRun();
 * const { bytes, index } = writer.finish();
 * ```
 */
export class ShuffleWriter {
  /** One entry per ended run, in partition order. */
  readonly index: RunIndexEntry[] = [];
  private chunk: Buffer;
  private readonly scratch = Buffer.alloc(16);
  private pos = 0;
  /** Bytes already handed to the sink. */
  private flushed = 0;
  private runOffset = 0;
  private runRecords = 0;
  private runCrc = 0;
  /** Where the current run starts in the current chunk (0 once an earlier chunk held its start). */
  private runChunkStart = 0;

  constructor(
    private readonly sink: ChunkSink,
    chunkBytes = 1 << 20,
  ) {
    this.chunk = Buffer.allocUnsafeSlow(chunkBytes);
  }

  /** Starts the next partition's run. */
  beginRun(): void {
    this.runOffset = this.flushed + this.pos;
    this.runRecords = 0;
    this.runCrc = 0;
    this.runChunkStart = this.pos;
  }

  /** Appends one entry: `key[keyStart, keyEnd)` (an encoded key) and its values, packed here. */
  writeValues(key: Uint8Array, keyStart: number, keyEnd: number, values: readonly unknown[]): void {
    const one = values[0];
    if (values.length === 1 && typeof one === 'number') {
      this.writeEntry(key, keyStart, keyEnd, this.scratch, 0, packOneNumber(one, this.scratch));
    } else {
      const packed = packValues(values);
      this.writeEntry(key, keyStart, keyEnd, packed, 0, packed.length);
    }
  }

  /**
   * Appends one entry: `key[keyStart, keyEnd)` (an encoded key) and `values[valuesStart,
   * valuesEnd)` (a packed values array, as `packValues` makes).
   */
  writeEntry(
    key: Uint8Array,
    keyStart: number,
    keyEnd: number,
    values: Uint8Array,
    valuesStart = 0,
    valuesEnd = values.length,
  ): void {
    const keyLength = keyEnd - keyStart;
    const valuesLength = valuesEnd - valuesStart;
    const size = varintBytes(keyLength) + keyLength + varintBytes(valuesLength) + valuesLength;
    if (this.pos + size > this.chunk.length) {
      this.flush();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafeSlow(size);
    }
    const c = this.chunk;
    let pos = writeVarint(c, keyLength, this.pos);
    if (keyLength < 64) for (let i = keyStart; i < keyEnd; i++) c[pos++] = key[i] as number;
    else pos += Buffer.from(key.buffer, key.byteOffset, key.byteLength).copy(c, pos, keyStart, keyEnd);
    pos = writeVarint(c, valuesLength, pos);
    if (valuesLength < 64) for (let i = valuesStart; i < valuesEnd; i++) c[pos++] = values[i] as number;
    else
      pos += Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(
        c,
        pos,
        valuesStart,
        valuesEnd,
      );
    this.pos = pos;
    this.runRecords++;
  }

  /** Appends one entry that is already encoded (see format.ts): `bytes[start, end)`. */
  writeRaw(bytes: Buffer, start: number, end: number): void {
    const size = end - start;
    if (this.pos + size > this.chunk.length) {
      this.flush();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafeSlow(size);
    }
    const c = this.chunk;
    let pos = this.pos;
    if (size < 64) for (let i = start; i < end; i++) c[pos++] = bytes[i] as number;
    else pos += bytes.copy(c, pos, start, end);
    this.pos = pos;
    this.runRecords++;
  }

  /** Ends the current run and returns its index entry. */
  endRun(): RunIndexEntry {
    this.runCrc = crc32(this.chunk.subarray(this.runChunkStart, this.pos), this.runCrc);
    this.runChunkStart = this.pos;
    const run = {
      offset: this.runOffset,
      length: this.flushed + this.pos - this.runOffset,
      records: this.runRecords,
      crc32: this.runCrc,
    };
    this.index.push(run);
    return run;
  }

  /** Writes the footer and the last chunk; returns the file's size and index. */
  finish(): { bytes: number; index: RunIndexEntry[] } {
    const footer = encodeFooter(this.index);
    if (this.pos + footer.length > this.chunk.length) this.flush();
    if (footer.length > this.chunk.length) {
      this.sink(footer);
      this.flushed += footer.length;
    } else {
      this.chunk.set(footer, this.pos);
      this.pos += footer.length;
      this.flush();
    }
    return { bytes: this.flushed, index: this.index };
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.runCrc = crc32(this.chunk.subarray(this.runChunkStart, this.pos), this.runCrc);
    this.sink(this.chunk.subarray(0, this.pos));
    this.flushed += this.pos;
    this.pos = 0;
    this.runChunkStart = 0;
  }
}
