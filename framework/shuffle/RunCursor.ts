import { crc32 } from 'node:zlib';
import { compareBytes } from './compareBytes.js';
import { ShuffleCorruptError } from './errors.js';
import { readVarint, type VarintRead } from './format.js';

/**
 * What a run must add up to, from the file's index; checked when the run ends.
 *
 * @example
 * ```ts
 * const check: RunCheck = index[partition]; // a RunIndexEntry is a RunCheck
 * ```
 */
export interface RunCheck {
  readonly length: number;
  readonly records: number;
  readonly crc32: number;
}

/**
 * Where a run comes from, for error messages and checks.
 *
 * @example
 * ```ts
 * const source: RunSource = { name: 'shuffle/map-3.smr', offset: run.offset, check: run };
 * ```
 */
export interface RunSource {
  /** The object, e.g. `shuffle/map-00003.smr`; error messages name it. */
  readonly name?: string;
  /** The run's byte offset in the object, so error offsets are offsets in the object. */
  readonly offset?: number;
  /** When set, the run's length, record count and CRC-32 are verified at its end. */
  readonly check?: RunCheck;
}

/**
 * A key held as `bytes[start, end)` with its 6-byte `prefix` (see `RunCursor.prefix`).
 *
 * @example
 * ```ts
 * const at: KeyAt = { bytes: cursor.bytes, start: cursor.keyStart, end: cursor.keyEnd, prefix: cursor.prefix };
 * ```
 */
export interface KeyAt {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
  readonly prefix: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads the entries of one run (see format.ts) incrementally from its chunks; entries may
 * straddle chunk boundaries. Holds one entry (plus one chunk) at a time. The current entry is
 * `bytes[keyStart, keyEnd)` and `bytes[valuesStart, valuesEnd)` (no copy, no view object per
 * entry); `key` and `values` make views on demand. Buffers are never written, so views and
 * offsets stay valid after `next()` for as long as the caller keeps `bytes`.
 *
 * @example
 * ```ts
 * const cursor = new RunCursor(store.read(key, { start, end }), { name: key, offset: start });
 * while (await cursor.next()) console.log(decodeKey(cursor.key));
 * ```
 */
export class RunCursor {
  /** The buffer holding the current entry. */
  bytes: Buffer = EMPTY;
  keyStart = 0;
  keyEnd = 0;
  valuesStart = 0;
  valuesEnd = 0;
  /** The first 6 bytes of the key as a number (missing bytes as 0): orders most keys cheaply. */
  prefix = 0;
  /** The current entry's byte offset in the run. */
  private entryAt = 0;
  private readonly iterator: AsyncIterator<Uint8Array> | undefined;
  /** The buffer being parsed (`bytes` becomes it when an entry is read from it). */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Offset in the run of `buf[0]`. */
  private bufAt = 0;
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

  /** The current entry's encoded key (a view). */
  get key(): Buffer {
    return this.bytes.subarray(this.keyStart, this.keyEnd);
  }

  /** The current entry's packed values array (a view). */
  get values(): Buffer {
    return this.bytes.subarray(this.valuesStart, this.valuesEnd);
  }

  /** Where the current entry is, for messages: `name at byte N`. */
  get where(): string {
    return `${this.source.name ?? 'a shuffle run'} at byte ${(this.source.offset ?? 0) + this.entryAt}`;
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

  /** Whether the current key equals `bytes[start, end)`, whose prefix is `prefix`. */
  hasKey(bytes: Buffer, start: number, end: number, prefix: number): boolean {
    return (
      this.prefix === prefix &&
      this.keyEnd - this.keyStart === end - start &&
      compareBytes(this.bytes, this.keyStart, this.keyEnd, bytes, start, end) === 0
    );
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
    if (this.pos < this.buf.length) this.fail(this.bufAt + this.pos, 'the run ends inside an entry');
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
      if (keyEnd === keyStart) this.fail(this.bufAt + pos, 'an empty key');
      if (!readVarint(buf, keyEnd, varint)) return this.needs(Math.max(keyEnd, buf.length) - pos + 1);
      const end = varint.next + varint.value;
      if (end > buf.length) return this.needs(end - pos);
      let prefix = 0;
      for (let i = keyStart; i < keyStart + 6; i++)
        prefix = prefix * 256 + (i < keyEnd ? (buf[i] as number) : 0);
      if (this.records > 0 && this.isBefore(buf, keyStart, keyEnd, prefix)) {
        this.fail(this.bufAt + pos, 'keys out of order');
      }
      this.bytes = buf;
      this.keyStart = keyStart;
      this.keyEnd = keyEnd;
      this.valuesStart = varint.next;
      this.valuesEnd = end;
      this.prefix = prefix;
      this.entryAt = this.bufAt + pos;
      this.pos = end;
      this.records++;
      return true;
    } catch (error) {
      if (error instanceof RangeError) this.fail(this.bufAt + pos, error.message);
      throw error;
    }
  }

  /** Whether a key read from `bytes` sorts before the current key (the run would be unsorted). */
  private isBefore(bytes: Buffer, start: number, end: number, prefix: number): boolean {
    if (prefix !== this.prefix) return prefix < this.prefix;
    return compareBytes(bytes, start, end, this.bytes, this.keyStart, this.keyEnd) < 0;
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
    this.bufAt += this.pos;
    this.buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, have);
    this.pos = 0;
  }

  private verify(): void {
    const check = this.source.check;
    if (check === undefined) return;
    const got = { length: this.received, records: this.records, crc32: this.crc };
    if (got.length !== check.length || got.records !== check.records || got.crc32 !== check.crc32) {
      const message = `the run does not match its index entry: read ${JSON.stringify(got)}, expected ${JSON.stringify(check)}`;
      this.fail(0, message);
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
