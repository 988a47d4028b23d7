import { crc32 } from 'node:zlib';
import { encodeFooter } from './footer.js';
import { type RunIndexEntry, varintBytes, writeVarint } from './format.js';

/**
 * Where a {@link ShuffleWriter} sends full chunks, synchronously and in order. The chunk is
 * reused once the call returns: write it out or copy it.
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

  /** Appends one entry: `key[keyStart, keyEnd)` (an encoded key) and a packed values array. */
  writeEntry(key: Uint8Array, keyStart: number, keyEnd: number, values: Uint8Array): void {
    const keyLength = keyEnd - keyStart;
    const size = varintBytes(keyLength) + keyLength + varintBytes(values.length) + values.length;
    if (this.pos + size > this.chunk.length) {
      this.flush();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafeSlow(size);
    }
    const c = this.chunk;
    let pos = writeVarint(c, keyLength, this.pos);
    c.set(key.subarray(keyStart, keyEnd), pos);
    pos = writeVarint(c, values.length, pos + keyLength);
    c.set(values, pos);
    this.pos = pos + values.length;
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
