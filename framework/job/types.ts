/**
 * A key: a string, number, boolean, null, or an array of keys (a composite key). Keys are
 * encoded canonically, so equal keys group together in every process and sort the same way.
 */
export type Key = string | number | boolean | null | readonly Key[];

/** How input bytes become records of type `R`. Build one with `lines()`, `jsonLines()` or `csv()`. */
export interface InputFormat<R> {
  readonly kind: 'lines' | 'jsonl' | 'csv';
  /** CSV only: the field delimiter. */
  readonly delimiter?: string;
  /** CSV only: the column names of files without a header row. */
  readonly columns?: readonly string[];
  /** Type-level only: the record type this format produces. Never set at run time. */
  readonly __record?: R;
}

/** How result records are written. Build one with `jsonLinesOutput()`, `csvOutput()` or `textOutput()`. */
export interface OutputFormat {
  readonly kind: 'jsonl' | 'csv' | 'text';
  /** CSV: the field delimiter; text: the separator between key and value. */
  readonly delimiter?: string;
}

/** A byte range of one input object. A split owns every record that starts inside `[start, end)`. */
export interface Split {
  /** Position of the split in the job's plan, from 0. */
  readonly id: number;
  /** The input object: `file:///abs/path` or `s3://bucket/key`. */
  readonly uri: string;
  readonly start: number;
  readonly end: number;
  /** Size of the whole object in bytes. */
  readonly size: number;
  /** Set for compressed objects, which are read whole as one split. */
  readonly compression?: 'gzip';
}

/** Where a record was found, for error messages and bad-record reports. */
export interface RecordPosition {
  readonly uri: string;
  /** Byte offset of the record's first byte in the (uncompressed) object. */
  readonly offset: number;
  /** 1-based line number, when the reader knows it (splits that start at byte 0). */
  readonly line: number | undefined;
}
