import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { TRANSIENT_ERROR_TYPE } from '../contract/names.js';
import { parseEvent } from './parseEvent.js';

class TransientError extends Error {
  override readonly name = TRANSIENT_ERROR_TYPE;
}

/** A task's function as the state machine calls it: an event and a Lambda context in, a result out. */
export type TaskFunction<R> = (event: unknown, context: Context) => Promise<R>;

/**
 * A task as a plain function, without middlewares: the event checked against its schema, and a
 * retryable error renamed so the state machine's Retry matches it; other errors keep their own
 * name (`BadRecordError`, `UserCodeError`, …), which Catch can match. `onError` sees each error
 * first, as thrown. The deployed functions wrap this in middy with JSON logs (`taskHandler`);
 * the embedded runtime's workers call it directly, so they load no Lambda middleware.
 *
 * @example
 * ```ts
 * const map = plainTaskHandler('map', mapEvent, (event) => mapTask(event, deps()));
 * ```
 */
export function plainTaskHandler<S extends z.ZodType, R>(
  task: string,
  schema: S,
  run: (event: z.infer<S>, context: Context) => Promise<R>,
  onError?: (error: Error) => void,
): TaskFunction<R> {
  return async (event, context) => {
    try {
      return await run(parseEvent(task, schema, event), context);
    } catch (thrown) {
      const error = thrown as Error & { retryable?: boolean };
      if (!(error instanceof Error)) throw thrown;
      onError?.(error);
      if (error.retryable === true) {
        throw new TransientError(`${error.name}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  };
}
