export type { SplitSource } from './byteChunks.js';
export {
  BadRecordError,
  CorruptInputError,
  InvalidFormatError,
  OutputFormatError,
  RecordTooLargeError,
} from './errors.js';
export {
  type CsvInputOptions,
  type CsvOptions,
  csv,
  csvOutput,
  jsonLines,
  jsonLinesOutput,
  lines,
  type TextOptions,
  textOutput,
} from './formats.js';
export type { BadRecordHandler, RecordHandler } from './handlers.js';
export { PartWriter } from './PartWriter.js';
export { type ReadSplitOptions, type ReadSplitResult, readSplit } from './readSplit.js';
