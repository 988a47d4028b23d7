import type { BadRecordError } from './errors.js';

/**
 * Receives one decoded record with its byte offset and line number (when known). A returned
 * promise is awaited before the next record.
 *
 * @example
 * ```ts
 * const onRecord: RecordHandler<string> = (line, offset) => console.log(offset, line);
 * ```
 */
export type RecordHandler<R> = (record: R, offset: number, line: number | undefined) => void | Promise<void>;

/**
 * Receives a bad record instead of the reader throwing it; the record is skipped.
 *
 * @example
 * ```ts
 * const onBadRecord: BadRecordHandler = (error) => logger.warn(error.message, error.position);
 * ```
 */
export type BadRecordHandler = (error: BadRecordError) => void;

/**
 * Throws a bad record, or hands it to `onBadRecord` when the caller skips bad records.
 *
 * @example
 * ```ts
 * rejectRecord(new BadRecordError(position, text, 'invalid JSON'), (error) => skipped.push(error));
 * ```
 */
export function rejectRecord(error: BadRecordError, onBadRecord: BadRecordHandler | undefined): undefined {
  if (onBadRecord === undefined) throw error;
  onBadRecord(error);
  return undefined;
}
