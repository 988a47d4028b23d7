import { StepmrError } from '../errors.js';
import type { RecordPosition } from '../job/types.js';

/**
 * How a record position reads in a message.
 *
 * @example
 * ```ts
 * describePosition({ uri: 'file:///in.jsonl', offset: 120, line: 4 }); // 'file:///in.jsonl at byte 120 (line 4)'
 * ```
 */
export function describePosition(position: RecordPosition): string {
  const line = position.line === undefined ? '' : ` (line ${position.line})`;
  return `${position.uri} at byte ${position.offset}${line}`;
}

/**
 * A record that cannot be decoded: malformed JSON, a CSV row with the wrong number of fields
 * or bad quoting, a line that is not UTF-8. Readers given an `onBadRecord` callback report it
 * there and skip the record. The message names where the record is and what is wrong, never
 * what it holds: it reaches execution payloads, logs and `_SUCCESS`, where data must not.
 *
 * @example
 * ```ts
 * await readSplit(source, split, jsonLines(), onRecord, {
 *   onBadRecord: (error) => console.warn(error.message),
 * });
 * ```
 */
export class BadRecordError extends StepmrError {
  override readonly name = 'BadRecordError';
  readonly position: RecordPosition;
  /** What is wrong with the record, e.g. the JSON parser's message without the input it quotes. */
  readonly reason: string;

  constructor(position: RecordPosition, reason: string, options: { cause?: unknown } = {}) {
    super(
      `Bad record in ${describePosition(position)}: ${reason}. ` +
        'Fix the record, or run with --bad-records skip to skip bad records.',
      options,
    );
    this.position = position;
    this.reason = reason;
  }
}

/**
 * A record longer than the reader's `maxRecordBytes`. Readers stop rather than buffer it: a
 * "record" this long usually means the input is not line-delimited (a binary or compressed
 * file without a `.gz` name, or the wrong format).
 *
 * @example
 * ```ts
 * // Raise the limit for inputs with very long lines:
 * await readSplit(source, split, lines(), onRecord, { maxRecordBytes: 64 * 1024 * 1024 });
 * ```
 */
export class RecordTooLargeError extends StepmrError {
  override readonly name = 'RecordTooLargeError';
  readonly position: RecordPosition;
  readonly limit: number;

  constructor(position: RecordPosition, limit: number) {
    super(
      `Record in ${describePosition(position)} is longer than the limit of ${limit} bytes. ` +
        "Check that the input is line-delimited text in the job's input format (a compressed file needs a .gz name), " +
        'or raise the limit with --max-record-size (maxRecordBytes in the job options).',
    );
    this.position = position;
    this.limit = limit;
  }
}

/**
 * A compressed input that cannot be decompressed (truncated or corrupt).
 *
 * @example
 * ```ts
 * try {
 *   await readSplit(source, split, lines(), onRecord);
 * } catch (error) {
 *   if (error instanceof CorruptInputError) console.error(`re-upload ${error.uri}`);
 * }
 * ```
 */
export class CorruptInputError extends StepmrError {
  override readonly name = 'CorruptInputError';
  readonly uri: string;

  constructor(uri: string, detail: string, options: { cause?: unknown } = {}) {
    super(
      `Cannot decompress ${uri}: ${detail} (truncated or corrupt gzip data). ` +
        'Check the object with `gzip -t`, then replace it or remove it from the input.',
      options,
    );
    this.uri = uri;
  }
}

/**
 * A format or split that the reader cannot use: an empty or unsupported CSV delimiter, a
 * gzip split that does not cover its whole object, a split with a negative range.
 *
 * @example
 * ```ts
 * csv({ delimiter: '' }); // throws InvalidFormatError
 * ```
 */
export class InvalidFormatError extends StepmrError {
  override readonly name = 'InvalidFormatError';
}

/**
 * A value that an output format cannot write, such as a non-object value in a CSV part whose
 * columns came from an object value.
 *
 * @example
 * ```ts
 * const writer = new PartWriter(csvOutput());
 * writer.write('a', { n: 1 });
 * writer.write('b', 2); // throws OutputFormatError
 * ```
 */
export class OutputFormatError extends StepmrError {
  override readonly name = 'OutputFormatError';
}
