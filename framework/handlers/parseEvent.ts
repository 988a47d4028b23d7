import type { z } from 'zod';
import { TaskInputError } from '../tasks/errors.js';

/**
 * Checks a function's event against its schema; a malformed event is a `TaskInputError` (not
 * retried) naming the first field that is wrong.
 *
 * @example
 * ```ts
 * const event = parseEvent('map', mapEvent, raw);
 * ```
 */
export function parseEvent<S extends z.ZodType>(task: string, schema: S, event: unknown): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'the event';
  throw new TaskInputError(
    `the ${task} function got a malformed event: ${field}: ${issue?.message ?? 'invalid'}`,
  );
}
