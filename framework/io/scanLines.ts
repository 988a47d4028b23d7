import { isAscii, isUtf8 } from 'node:buffer';
import { BadRecordError, RecordTooLargeError } from './errors.js';
import { type BadRecordHandler, rejectRecord } from './handlers.js';

/**
 * Receives one line: its text (without `\n` / `\r\n`, and without a BOM at offset 0), the
 * byte offset of its first byte, and its 1-based line number when known. A returned promise
 * is awaited before the next line; returning nothing keeps the loop synchronous.
 *
 * @example
 * ```ts
 * const onLine: LineHandler = (text, offset, line) => console.log(line ?? `@${offset}`, text);
 * ```
 */
export type LineHandler = (text: string, offset: number, line: number | undefined) => unknown;

/**
 * Where {@link scanLines} starts and stops.
 *
 * @example
 * ```ts
 * const options: ScanOptions = { uri, from: 99, skipPartial: true, end: 200, maxRecordBytes: 8 << 20 };
 * ```
 */
export interface ScanOptions {
  /** For messages: the object's URI. */
  readonly uri: string;
  /** Offset of the first byte of the first chunk. */
  readonly from: number;
  /** Skip bytes up to and including the first `\n`: that partial line is another split's. */
  readonly skipPartial: boolean;
  /** Lines starting at or after this offset are not this split's. */
  readonly end: number;
  readonly maxRecordBytes: number;
  /**
   * A line that is not valid UTF-8 is a bad record: thrown as `BadRecordError`, or, when this
   * is set, handed here and skipped. @default undefined (thrown)
   */
  readonly onBadRecord?: BadRecordHandler | undefined;
}

/**
 * What {@link scanLines} consumed.
 *
 * @example
 * ```ts
 * const { lines, bytes }: ScanResult = await scanLines(chunks, options, onLine);
 * ```
 */
export interface ScanResult {
  readonly lines: number;
  /** Bytes of the lines handled, terminators included. */
  readonly bytes: number;
}

/**
 * The Hadoop line-reader loop: hands every line that starts in `[from, end)` (after skipping a
 * partial first line when asked) to `onLine`, reading past `end` only to finish the last one.
 * The chunks must be fresh buffers (they are kept while a line spans them).
 *
 * @example
 * ```ts
 * const options = { uri, from: 0, skipPartial: false, end: size, maxRecordBytes: 8 << 20 };
 * const { lines } = await scanLines(rangeChunks(source, 0, size, 65536), options, (text) => {
 *   console.log(text);
 * });
 * ```
 */
export async function scanLines(
  chunks: AsyncIterable<Buffer>,
  options: ScanOptions,
  onLine: LineHandler,
): Promise<ScanResult> {
  const scanner = new LineScanner(options, onLine);
  for await (const chunk of chunks) {
    let step = scanner.push(chunk);
    while (step !== NEED_MORE && step !== DONE) {
      await step;
      step = scanner.resume();
    }
    if (step === DONE) return scanner.result();
  }
  const last = scanner.end();
  if (last !== DONE) await last;
  return scanner.result();
}

const NEED_MORE = 0;
const DONE = 1;
/** What a scanner step asks of its driver: the next chunk, nothing more, or to await a record. */
type Step = typeof NEED_MORE | typeof DONE | PromiseLike<unknown>;

const LF = 10;
const CR = 13;
const BOM = 0xfeff;

/**
 * The scanning state machine, synchronous so that the hot loop is plain optimisable code;
 * {@link scanLines} drives it and awaits only when a handler returns a promise. Lines are
 * decoded a chunk at a time: a pure-ASCII run as one string sliced at `\n` (byte and character
 * offsets agree), other runs as UTF-8 with byte offsets from the buffer. A `\n` byte never
 * occurs inside a multi-byte character, so decoding between newlines never splits one.
 * Note: V8 may keep a line as a slice of its run's string, so a line kept long after the
 * scan (in a buffer of map output) can hold up to one chunk (`chunkBytes`) of memory.
 */
class LineScanner {
  readonly #onLine: LineHandler;
  readonly #uri: string;
  readonly #end: number;
  readonly #max: number;
  #line: number | undefined;
  #skipping: boolean;
  #count = 0;
  #position: number; // offset of the next chunk's first byte
  #first: number; // offset of the first line of the split
  #lineStart: number; // offset of the line being read
  #carry: Buffer[] = [];
  #carryBytes = 0;
  // The chunk in hand, and where the decoding of its complete lines stands.
  #chunk: Buffer = Buffer.alloc(0);
  #base = 0;
  #i = 0; // byte index of the next line in the chunk
  #text = '';
  #a = 0; // index in #text of the next line
  #stop = 0; // lines starting before this byte index are ours
  #ascii = false;
  #inBulk = false;
  /** The run in hand has invalid UTF-8 somewhere: check each line's bytes. */
  #checkLines = false;
  readonly #onBadRecord: BadRecordHandler | undefined;

  constructor(options: ScanOptions, onLine: LineHandler) {
    this.#onLine = onLine;
    this.#onBadRecord = options.onBadRecord;
    this.#uri = options.uri;
    this.#end = options.end;
    this.#max = options.maxRecordBytes;
    this.#skipping = options.skipPartial;
    this.#line = options.from === 0 && !options.skipPartial ? 1 : undefined;
    this.#position = this.#first = this.#lineStart = options.from;
  }

  result(): ScanResult {
    return { lines: this.#count, bytes: this.#lineStart - this.#first };
  }

  push(chunk: Buffer): Step {
    this.#chunk = chunk;
    this.#base = this.#position;
    this.#position += chunk.length;
    this.#i = 0;
    if (this.#skipping) {
      const newline = chunk.indexOf(LF);
      if (newline === -1) return this.#position >= this.#end ? DONE : NEED_MORE;
      this.#skipping = false;
      this.#i = newline + 1;
      this.#first = this.#lineStart = this.#base + this.#i;
      if (this.#lineStart >= this.#end) return DONE;
    }
    if (this.#carryBytes > 0) {
      const newline = chunk.indexOf(LF);
      if (newline === -1) return this.#keepRest();
      this.#carry.push(chunk.subarray(0, newline));
      const pending = this.#emitJoined(true);
      this.#i = newline + 1;
      this.#lineStart = this.#base + this.#i;
      if (pending !== undefined) return pending;
    }
    return this.resume();
  }

  /** Continues with the chunk in hand after an awaited record. */
  resume(): Step {
    if (!this.#inBulk) {
      if (this.#lineStart >= this.#end) return DONE;
      const last = this.#chunk.lastIndexOf(LF);
      if (last < this.#i) return this.#keepRest();
      const run = this.#chunk.subarray(this.#i, last + 1);
      this.#ascii = isAscii(run);
      this.#checkLines = !this.#ascii && !isUtf8(run);
      this.#text = run.toString(this.#ascii ? 'latin1' : 'utf8');
      this.#a = 0;
      this.#stop = Math.min(last + 1, this.#end - this.#base);
      this.#inBulk = true;
    }
    const pending = this.#ascii ? this.#asciiLines() : this.#utf8Lines();
    if (pending !== undefined) return pending;
    this.#inBulk = false;
    this.#lineStart = this.#base + this.#i;
    return this.#lineStart >= this.#end ? DONE : this.#keepRest();
  }

  /** At the end of the object: the last line, if it has no `\n`. */
  end(): Step {
    if (this.#skipping || this.#carryBytes === 0) return DONE;
    const pending = this.#emitJoined(false);
    this.#lineStart = this.#position;
    return pending ?? DONE;
  }

  #asciiLines(): PromiseLike<unknown> | undefined {
    const text = this.#text;
    const onLine = this.#onLine;
    const offset = this.#base + this.#i; // of text[0]
    const stop = this.#stop - this.#i;
    const max = this.#max;
    let line = this.#line;
    let a = this.#a;
    while (a < stop) {
      const b = text.indexOf('\n', a);
      const e = b > a && text.charCodeAt(b - 1) === CR ? b - 1 : b;
      if (e - a > max) throw this.#tooLarge(offset + a, line);
      const pending = onLine(text.slice(a, e), offset + a, line);
      this.#count++;
      if (line !== undefined) line++;
      a = b + 1;
      if (pending !== undefined && isThenable(pending)) {
        this.#a = a;
        this.#line = line;
        return pending;
      }
    }
    this.#i += a;
    this.#line = line;
    return undefined;
  }

  #utf8Lines(): PromiseLike<unknown> | undefined {
    const text = this.#text;
    const onLine = this.#onLine;
    const max = this.#max;
    const stop = this.#stop;
    const base = this.#base;
    const chunk = this.#chunk;
    let line = this.#line;
    let a = this.#a;
    let i = this.#i;
    while (i < stop) {
      const b = text.indexOf('\n', a);
      const newline = chunk.indexOf(LF, i);
      const cr = newline > i && chunk[newline - 1] === CR ? 1 : 0;
      if (newline - cr - i > max) throw this.#tooLarge(base + i, line);
      const start = base + i === 0 && text.charCodeAt(a) === BOM ? a + 1 : a;
      const valid = !this.#checkLines || this.#validUtf8(chunk.subarray(i, newline - cr), base + i, line);
      const pending = valid ? onLine(text.slice(start, b - cr), base + i, line) : undefined;
      if (valid) this.#count++;
      if (line !== undefined) line++;
      a = b + 1;
      i = newline + 1;
      if (pending !== undefined && isThenable(pending)) {
        this.#a = a;
        this.#i = i;
        this.#line = line;
        return pending;
      }
    }
    this.#i = i;
    this.#line = line;
    return undefined;
  }

  /** Keeps the chunk's bytes after the last complete line, for the next chunk to finish. */
  #keepRest(): Step {
    const rest = this.#chunk.length - this.#i;
    if (rest > 0) {
      this.#carry.push(this.#i === 0 ? this.#chunk : this.#chunk.subarray(this.#i));
      this.#carryBytes += rest;
      if (this.#carryBytes > this.#max + 1) throw this.#tooLarge(this.#lineStart, this.#line);
    }
    return NEED_MORE;
  }

  /** Hands on the line gathered in #carry; before a `\n` a trailing `\r` is dropped. */
  #emitJoined(beforeNewline: boolean): PromiseLike<unknown> | undefined {
    const bytes = Buffer.concat(this.#carry);
    this.#carry = [];
    this.#carryBytes = 0;
    const cr = beforeNewline && bytes.length > 0 && bytes[bytes.length - 1] === CR ? 1 : 0;
    if (bytes.length - cr > this.#max) throw this.#tooLarge(this.#lineStart, this.#line);
    const record = bytes.subarray(0, bytes.length - cr);
    if (!this.#validUtf8(record, this.#lineStart, this.#line)) {
      if (this.#line !== undefined) this.#line++;
      return undefined;
    }
    let text = record.toString('utf8');
    if (this.#lineStart === 0 && text.charCodeAt(0) === BOM) text = text.slice(1);
    const pending = this.#onLine(text, this.#lineStart, this.#line);
    this.#count++;
    if (this.#line !== undefined) this.#line++;
    return pending !== undefined && isThenable(pending) ? pending : undefined;
  }

  /**
   * True when the line's bytes are valid UTF-8; otherwise the line is a bad record, thrown or
   * handed to `onBadRecord` (then false: the line is skipped).
   */
  #validUtf8(bytes: Buffer, offset: number, line: number | undefined): boolean {
    if (isUtf8(bytes)) return true;
    const at = firstInvalidByte(bytes);
    rejectRecord(
      new BadRecordError(
        { uri: this.#uri, offset, line },
        `invalid UTF-8 at byte ${at} of the record (0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')}); the input must be UTF-8 text`,
      ),
      this.#onBadRecord,
    );
    return false;
  }

  #tooLarge(offset: number, line: number | undefined): RecordTooLargeError {
    return new RecordTooLargeError({ uri: this.#uri, offset, line }, this.#max);
  }
}

/** Index of the first byte that does not start a valid UTF-8 character. */
function firstInvalidByte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] ?? 0;
    const n = c < 0x80 ? 1 : (c & 0xe0) === 0xc0 ? 2 : (c & 0xf0) === 0xe0 ? 3 : (c & 0xf8) === 0xf0 ? 4 : 0;
    if (n === 0 || i + n > bytes.length || !isUtf8(bytes.subarray(i, i + n))) return i;
    i += n;
  }
  return bytes.length;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof (value as { then?: unknown }).then === 'function';
}
