import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { plainTaskHandler } from './plainHandler.js';

/**
 * The structured JSON logger of every stepmr function (level from POWERTOOLS_LOG_LEVEL).
 *
 * @example
 * ```ts
 * logger.info('scheduled run started', { jobId });
 * ```
 */
export const logger = new Logger({ serviceName: 'stepmr' });

/**
 * Wraps a task as a Lambda handler: JSON logs with the Lambda context and a log line per
 * failure, around {@link plainTaskHandler} (the event checked against its schema, retryable
 * errors renamed so the state machine's Retry matches them).
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
  const plain = plainTaskHandler(task, schema, run, (error) =>
    logger.error(`${task} task failed`, { errorType: error.name, errorMessage: error.message }),
  );
  return middy<unknown, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event, context) => plain(event, context));
}
