import { crc32 } from 'node:zlib';
import { ShuffleCorruptError } from './errors.js';
import { readVarint, type VarintRead } from './format.js';

/** What a run must add up to, from the file's index; checked when the run ends. */
export interface RunCheck {
  readonly length: number;
  readonly records: number;
  readonly crc32: number;
}

/** Where a run comes from, for error messages and checks. */
export interface RunSource {
  /** The object, e.g. `shuffle/map-00003.smr`; error messages name it. */
  readonly name?: string;
  /** The run's byte offset in the object, so error offsets are offsets in the object. */
  readonly offset?: number;
  /** When set, the run's length, record count and CRC-32 are verified at its end. */
  readonly check?: RunCheck;
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads the entries of one run (see format.ts) incrementally from its chunks; entries may
 * straddle chunk boundaries. Holds one entry (plus one chunk) at a time. `key` and `values` are
 * views of the current entry, valid for as long as the caller keeps them.
 *
 * @example
 * ```ts
 * const cursor = new RunCursor(store.read(key, { start, end }), { name: key, offset: start });
 * while (await cursor.next()) console.log(decodeKey(cursor.key));
 * ```
 */
export class RunCursor {
  /** The current entry's encoded key. */
  key: Buffer = EMPTY;
  /** The current entry's packed values array. */
  values: Buffer = EMPTY;
  /** The current entry's byte offset in the object. */
  entryOffset = 0;
  private readonly iterator: AsyncIterator<Uint8Array> | undefined;
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Offset in the run of `buf[0]`. */
  private bufOffset = 0;
  private need = 1;
  private ended = false;
  private done = false;
  private received = 0;
  private crc = 0;
  private records = 0;
  private readonly varint: VarintRead = { value: 0, next: 0 };

  /** `chunks`: the run's bytes as a stream of chunks (e.g. a ranged `store.read`), or one buffer. */
  constructor(
    chunks: AsyncIterable<Uint8Array> | Uint8Array,
    private readonly source: RunSource = {},
  ) {
    if (chunks instanceof Uint8Array) {
      this.iterator = undefined;
      this.ended = true;
      this.buf = toBuffer(chunks);
      this.received = chunks.length;
      this.crc = source.check === undefined ? 0 : crc32(chunks);
    } else {
      this.iterator = chunks[Symbol.asyncIterator]();
    }
  }

  /** Where the current entry is, for messages: `name at byte N`. */
  get where(): string {
    return `${this.source.name ?? 'a shuffle run'} at byte ${this.entryOffset}`;
  }

  /**
   * Moves to the next entry; false at the end of the run. Synchronous when the entry is already
   * buffered (always, for a run given as one buffer).
   */
  next(): boolean | Promise<boolean> {
    if (!this.done && this.tryParse()) return true;
    if (this.ended || this.done) return this.end();
    return this.nextSlow();
  }

  /** Stops reading early (closes the underlying stream). */
  async close(): Promise<void> {
    this.done = true;
    await this.iterator?.return?.();
  }

  private async nextSlow(): Promise<boolean> {
    while (!this.ended && !this.done) {
      await this.fill(this.need);
      if (this.tryParse()) return true;
    }
    return this.end();
  }

  private end(): false {
    if (this.done) return false;
    if (this.pos < this.buf.length) this.fail(this.bufOffset + this.pos, 'the run ends inside an entry');
    this.verify();
    this.done = true;
    return false;
  }

  private tryParse(): boolean {
    const { buf, pos, varint } = this;
    try {
      if (!readVarint(buf, pos, varint)) return this.needs(buf.length - pos + 1);
      const keyStart = varint.next;
      const keyEnd = keyStart + varint.value;
      if (keyEnd === keyStart) this.fail(this.bufOffset + pos, 'an empty key');
      if (!readVarint(buf, keyEnd, varint)) return this.needs(Math.max(keyEnd, buf.length) - pos + 1);
      const end = varint.next + varint.value;
      if (end > buf.length) return this.needs(end - pos);
      const key = buf.subarray(keyStart, keyEnd);
      if (this.records > 0 && Buffer.compare(this.key, key) > 0) {
        this.fail(this.bufOffset + pos, 'keys out of order');
      }
      this.key = key;
      this.values = buf.subarray(varint.next, end);
      this.entryOffset = (this.source.offset ?? 0) + this.bufOffset + pos;
      this.pos = end;
      this.records++;
      return true;
    } catch (error) {
      if (error instanceof RangeError) this.fail(this.bufOffset + pos, error.message);
      throw error;
    }
  }

  private needs(bytes: number): false {
    this.need = bytes;
    return false;
  }

  private async fill(need: number): Promise<void> {
    if (this.iterator === undefined) return;
    const rest = this.buf.subarray(this.pos);
    const parts = rest.length > 0 ? [rest] : [];
    let have = rest.length;
    while (have < need) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      this.crc = crc32(chunk, this.crc);
      this.received += chunk.length;
      parts.push(chunk);
      have += chunk.length;
    }
    this.bufOffset += this.pos;
    this.buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, have);
    this.pos = 0;
  }

  private verify(): void {
    const check = this.source.check;
    if (check === undefined) return;
    const got = { length: this.received, records: this.records, crc32: this.crc };
    if (got.length !== check.length || got.records !== check.records || got.crc32 !== check.crc32) {
      this.fail(
        0,
        `the run does not match its index entry: read ${JSON.stringify(got)}, expected ${JSON.stringify(check)}`,
      );
    }
  }

  private fail(runOffset: number, what: string): never {
    const at = (this.source.offset ?? 0) + runOffset;
    throw new ShuffleCorruptError(
      `${this.source.name ?? 'a shuffle run'} is corrupt: ${what} at byte ${at}; rerun the map task that wrote it`,
    );
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
