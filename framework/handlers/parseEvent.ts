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
export function parseEvent<T>(task: string, schema: z.ZodType, event: unknown): T {
  const parsed = schema.safeParse(event);
  // The schemas mirror the payload types of framework/tasks; optional fields are the only
  // difference zod's inferred types show, so the parsed event is the task's event type.
  if (parsed.success) return parsed.data as T;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'the event';
  throw new TaskInputError(
    `the ${task} function got a malformed event: ${field}: ${issue?.message ?? 'invalid'}`,
  );
}
