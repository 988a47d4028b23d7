import type { InputFormat, Split } from '../job/types.js';
import { gunzipChunks, rangeChunks, type SplitSource } from './byteChunks.js';
import { CsvDecoder } from './CsvDecoder.js';
import { InvalidFormatError } from './errors.js';
import type { BadRecordHandler, RecordHandler } from './handlers.js';
import { JsonLinesDecoder } from './JsonLinesDecoder.js';
import { type LineHandler, type ScanOptions, scanLines } from './scanLines.js';

/**
 * Options of {@link readSplit}.
 *
 * @example
 * ```ts
 * const options: ReadSplitOptions = { maxRecordBytes: 1 << 20, onBadRecord: (e) => skipped.push(e) };
 * ```
 */
export interface ReadSplitOptions {
  /** Longest record accepted, in bytes; longer ones throw `RecordTooLargeError`. @default 8 MiB */
  readonly maxRecordBytes?: number;
  /** Bytes decoded at a time (reads are streamed; this bounds the work per step). @default 64 KiB */
  readonly chunkBytes?: number;
  /** When set, bad records are handed here and skipped instead of thrown. @default undefined */
  readonly onBadRecord?: BadRecordHandler;
}

/**
 * What {@link readSplit} read.
 *
 * @example
 * ```ts
 * const { records, bytes }: ReadSplitResult = await readSplit(source, split, lines(), onRecord);
 * ```
 */
export interface ReadSplitResult {
  /** Records handed to `onRecord`. */
  readonly records: number;
  /**
   * Bytes of the lines this split owns, terminators included (decompressed bytes for gzip).
   * Over all splits of an object these add up to the object's size.
   */
  readonly bytes: number;
}

const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * Reads the records a split owns and hands each to `onRecord` with its byte offset and line
 * number (known only for splits starting at byte 0). A split owns every record that starts in
 * `[start, end)`: a split after the first skips the partial line that belongs to the one
 * before, and the last record is read past `end` to its end. So the splits of an object, of any
 * size, yield each record exactly once. Lines end with `\n` or `\r\n`; a BOM at byte 0 is
 * dropped; gzip splits are decompressed whole, with offsets into the decompressed bytes.
 *
 * Note: CSV rows are cut at line ends, so a quoted field must not contain a line break.
 *
 * @example
 * ```ts
 * const { store, key } = openUri(split.uri);
 * const { records } = await readSplit({ store, key }, split, jsonLines<{ n: number }>(), (record) => {
 *   total += record.n;
 * });
 * ```
 */
export async function readSplit<R>(
  source: SplitSource,
  split: Split,
  format: InputFormat<R>,
  onRecord: RecordHandler<R>,
  options: ReadSplitOptions = {},
): Promise<ReadSplitResult> {
  const maxRecordBytes = positive(options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, 'maxRecordBytes');
  const chunkBytes = positive(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, 'chunkBytes');
  checkSplit(split);
  if (split.end <= split.start) return { records: 0, bytes: 0 };
  const gzip = split.compression === 'gzip';
  const from = gzip || split.start === 0 ? 0 : split.start - 1;
  const scan: ScanOptions = {
    uri: split.uri,
    from,
    skipPartial: from !== split.start,
    end: gzip ? Number.POSITIVE_INFINITY : split.end,
    maxRecordBytes,
    onBadRecord: options.onBadRecord,
  };
  const chunks = () =>
    gzip ? gunzipChunks(source, split.uri, chunkBytes) : rangeChunks(source, from, split.end, chunkBytes);

  switch (format.kind) {
    case 'lines': {
      const { lines, bytes } = await scanLines(chunks(), scan, onRecord as LineHandler);
      return { records: lines, bytes };
    }
    case 'jsonl': {
      const decoder = new JsonLinesDecoder(split.uri, onRecord, options.onBadRecord);
      const { bytes } = await scanLines(chunks(), scan, decoder.onLine);
      return { records: decoder.records, bytes };
    }
    case 'csv': {
      const delimiter = format.delimiter ?? ',';
      const handler = onRecord as RecordHandler<Record<string, string>>;
      const header =
        format.columns ??
        (scan.from === 0 ? undefined : await readHeader(source, split.uri, delimiter, scan, chunkBytes));
      const decoder = new CsvDecoder(split.uri, delimiter, header, handler, options.onBadRecord);
      const { bytes } = await scanLines(chunks(), scan, decoder.onLine);
      return { records: decoder.records, bytes };
    }
    default:
      throw new InvalidFormatError(
        `Unknown input format ${JSON.stringify(format)}: use lines(), jsonLines() or csv().`,
      );
  }
}

/** Reads line 1 of the object (a ranged read from byte 0) as a CSV header. */
async function readHeader(
  source: SplitSource,
  uri: string,
  delimiter: string,
  scan: ScanOptions,
  chunkBytes: number,
): Promise<readonly string[]> {
  const decoder = new CsvDecoder(uri, delimiter, undefined, () => {});
  let header: readonly string[] = [];
  const firstLine = { ...scan, from: 0, skipPartial: false, end: 1 };
  await scanLines(rangeChunks(source, 0, 0, chunkBytes), firstLine, (text, offset, line) => {
    header = decoder.parseHeader(text, offset, line);
  });
  return header;
}

function checkSplit(split: Split): void {
  const { start, end, uri } = split;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0) {
    throw new InvalidFormatError(
      `Invalid split ${split.id} of ${uri}: [${start}, ${end}) is not a byte range.`,
    );
  }
  if (split.compression === 'gzip' && start !== 0) {
    throw new InvalidFormatError(
      `Invalid split ${split.id} of ${uri}: gzip objects are read whole, so the split must start at byte 0.`,
    );
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidFormatError(`Invalid ${name} ${value}: use a whole number of bytes, at least 1.`);
  }
  return value;
}
