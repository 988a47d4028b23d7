import { BadRecordError } from './errors.js';
import { type BadRecordHandler, type RecordHandler, rejectRecord } from './handlers.js';
import type { LineHandler } from './scanLines.js';

/**
 * Turns lines into JSON values: blank lines are skipped, a line that is not JSON is a
 * `BadRecordError` (thrown, or handed to `onBadRecord` and skipped).
 *
 * @example
 * ```ts
 * const decoder = new JsonLinesDecoder<{ n: number }>('file:///in.jsonl', (record) => total += record.n);
 * decoder.onLine('{"n":1}', 0, 1);
 * ```
 */
export class JsonLinesDecoder<R> {
  /** Records handed on so far. */
  records = 0;
  readonly #uri: string;
  readonly #onRecord: RecordHandler<R>;
  readonly #onBadRecord: BadRecordHandler | undefined;

  constructor(uri: string, onRecord: RecordHandler<R>, onBadRecord?: BadRecordHandler) {
    this.#uri = uri;
    this.#onRecord = onRecord;
    this.#onBadRecord = onBadRecord;
  }

  readonly onLine: LineHandler = (text, offset, line) => {
    if (text.length === 0) return undefined;
    let value: R;
    try {
      value = JSON.parse(text) as R;
    } catch (error) {
      if (text.trim() === '') return undefined;
      const reason = `invalid JSON (${jsonMessage(error)})`;
      return rejectRecord(
        new BadRecordError({ uri: this.#uri, offset, line }, reason, { cause: error }),
        this.#onBadRecord,
      );
    }
    this.records++;
    return this.#onRecord(value, offset, line);
  };
}

/** The JSON parser's message without the input it may quote (`…, "<record>" is not valid JSON`). */
function jsonMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^(Unexpected token) .*is not valid JSON$/s, '$1');
}
