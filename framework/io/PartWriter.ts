import { createHash, type Hash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { Key, OutputFormat } from '../job/types.js';
import { InvalidFormatError, OutputFormatError } from './errors.js';

/** Rows buffered before encoding them to bytes in one go. */
const BATCH_ROWS = 512;

/**
 * Encodes result records in an output format, counting records and bytes and hashing the
 * bytes (SHA-256) as it goes:
 * - jsonl: `{"key":…,"value":…}` per line;
 * - text: `key<delimiter>value` per line, strings raw, other values as JSON;
 * - csv: a header row, then rows. If the first value is a plain object its fields become
 *   the columns after `key` (later records: missing fields are empty, extra fields are
 *   dropped); otherwise the columns are `key,value`. Arrays and objects in cells are JSON.
 *   No records means an empty part, without a header.
 * An `undefined` value is written as `null` (an empty cell in CSV). Call `take()` to stream
 * a large part out in pieces; `finish()` returns the rest.
 *
 * @example
 * ```ts
 * const writer = new PartWriter(csvOutput());
 * writer.write('oslo', { min: -3, max: 12 });
 * const body = writer.finish(); // "key,min,max\noslo,-3,12\n"
 * console.log(writer.records, writer.bytes, writer.sha256());
 * ```
 */
export class PartWriter {
  readonly format: OutputFormat;
  #records = 0;
  #bytes = 0;
  readonly #hash: Hash = createHash('sha256');
  #taken: Buffer[] = [];
  #text: string[] = [];
  #rows: string[][] = [];
  #columns: readonly string[] | undefined;
  #objectRows = false;
  #finished = false;
  #digest: string | undefined;

  constructor(format: OutputFormat) {
    if (format.kind !== 'jsonl' && format.kind !== 'csv' && format.kind !== 'text') {
      throw new InvalidFormatError(
        `Unknown output format ${JSON.stringify(format)}: use jsonLinesOutput(), csvOutput() or textOutput().`,
      );
    }
    this.format = format;
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  write(key: Key, value: unknown): void {
    if (this.#finished)
      throw new OutputFormatError('This PartWriter is finished; create a new one for the next part.');
    const v = value === undefined ? null : value;
    switch (this.format.kind) {
      case 'jsonl':
        this.#text.push(`${JSON.stringify({ key, value: v })}\n`);
        break;
      case 'text':
        this.#text.push(`${textCell(key)}${this.format.delimiter ?? '\t'}${textCell(v)}\n`);
        break;
      case 'csv':
        this.#rows.push(this.#csvRow(key, v));
        break;
    }
    this.#records++;
    if (this.#text.length >= BATCH_ROWS || this.#rows.length >= BATCH_ROWS) this.#flush();
  }

  /**
   * Writes a whole record as one JSON line (JSON Lines output only): for results whose records
   * carry more than a key and a value, such as a window's bounds.
   */
  writeRecord(record: Readonly<Record<string, unknown>>): void {
    if (this.#finished || this.format.kind !== 'jsonl') {
      throw new OutputFormatError(
        this.#finished
          ? 'This PartWriter is finished; create a new one for the next part.'
          : `writeRecord writes JSON Lines only, not ${this.format.kind}; use jsonLinesOutput()`,
      );
    }
    this.#text.push(`${JSON.stringify(record)}\n`);
    this.#records++;
    if (this.#text.length >= BATCH_ROWS) this.#flush();
  }

  /** Bytes encoded so far (all of them once `finish()` was called). */
  get bytes(): number {
    this.#flush();
    return this.#bytes;
  }

  /** Takes the bytes encoded since the last call, for streaming a large part out. */
  take(): Buffer {
    this.#flush();
    const out = this.#taken.length === 1 ? (this.#taken[0] as Buffer) : Buffer.concat(this.#taken);
    this.#taken = [];
    return out;
  }

  /** Ends the part and returns the bytes not yet taken (all of them if `take()` was never called). */
  finish(): Buffer {
    const body = this.take();
    this.#finished = true;
    return body;
  }

  /** SHA-256 of the whole part as lowercase hex; call it after `finish()`. */
  sha256(): string {
    this.#flush();
    this.#digest ??= this.#finished ? this.#hash.digest('hex') : undefined;
    return this.#digest ?? this.#hash.copy().digest('hex');
  }

  #csvRow(key: Key, value: unknown): string[] {
    if (this.#columns === undefined) {
      this.#objectRows = isPlainObject(value);
      this.#columns = this.#objectRows ? Object.keys(value as object) : ['value'];
      this.#rows.push(['key', ...this.#columns]);
    }
    if (!this.#objectRows) return [csvCell(key), csvCell(value)];
    if (!isPlainObject(value)) {
      throw new OutputFormatError(
        `Cannot write a value as CSV: it is ${kindOf(value)}, but the part's columns come from an object ` +
          'value. Return objects for every key, or use jsonLinesOutput().',
      );
    }
    return [csvCell(key), ...this.#columns.map((column) => csvCell(value[column]))];
  }

  #flush(): void {
    let chunk: string;
    if (this.#rows.length > 0) {
      chunk = stringify(this.#rows, {
        delimiter: this.format.delimiter ?? ',',
        record_delimiter: '\n',
        quoted_match: /\r/,
      });
      this.#rows = [];
    } else if (this.#text.length > 0) {
      chunk = this.#text.join('');
      this.#text = [];
    } else {
      return;
    }
    const bytes = Buffer.from(chunk, 'utf8');
    this.#hash.update(bytes);
    this.#bytes += bytes.length;
    this.#taken.push(bytes);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What kind of value a cell was, for a message that must not show the value. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is not plain' : `a ${typeof value}`;
}

function textCell(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
