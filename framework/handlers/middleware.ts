import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { TRANSIENT_ERROR_TYPE } from '../contract/names.js';
import { parseEvent } from './parseEvent.js';

/**
 * The structured JSON logger of every stepmr function (level from POWERTOOLS_LOG_LEVEL).
 *
 * @example
 * ```ts
 * logger.info('scheduled run started', { jobId });
 * ```
 */
export const logger = new Logger({ serviceName: 'stepmr' });

class TransientError extends Error {
  override readonly name = TRANSIENT_ERROR_TYPE;
}

/**
 * Wraps a task as a Lambda handler: the event checked against its schema, JSON logs with the
 * Lambda context, a log line per failure,
 * and retryable errors renamed so the state machine's Retry matches them; other errors keep
 * their own name (`BadRecordError`, `UserCodeError`, …), which Catch can match.
 *
 * @example
 * ```ts
 * export const handler = taskHandler('map', mapEvent, (event) => mapTask(event, deps()));
 * ```
 */
export function taskHandler<S extends z.ZodType, R>(
  task: string,
  schema: S,
  run: (event: z.infer<S>, context: Context) => Promise<R>,
) {
  return middy<unknown, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        const error = request.error as (Error & { retryable?: boolean }) | null | undefined;
        if (!error) return;
        logger.error(`${task} task failed`, { errorType: error.name, errorMessage: error.message });
        if (error.retryable === true) {
          request.error = new TransientError(`${error.name}: ${error.message}`, { cause: error });
        }
      },
    })
    .handler((event, context) => run(parseEvent(task, schema, event), context));
}
