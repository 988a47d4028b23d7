import { z } from 'zod';
import { TaskInputError } from '../framework/tasks/errors.js';

const jobRef = {
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be a job id'),
  bucket: z.string().min(1),
  prefix: z
    .string()
    .refine((p) => p === '' || (p.endsWith('/') && !p.startsWith('/') && !p.split('/').includes('..')), {
      message: "must be '' or a relative prefix ending in '/'",
    }),
};
const resultWriterDetails = z.object({ Bucket: z.string().min(1), Key: z.string().min(1) });
const count = z.number().int().nonnegative();

/** The map function's event: a batch of splits, as Distributed Map's ItemBatcher sends it. */
export const mapEvent = z.object({
  BatchInput: z.object(jobRef),
  Items: z
    .array(
      z.object({
        id: count,
        uri: z.string().regex(/^(file|s3):\/\//, 'must be a file:// or s3:// URI'),
        start: count,
        end: count,
        size: count,
        compression: z.literal('gzip').optional(),
      }),
    )
    .min(1),
});

/** The reduce function's event: a batch of partitions. */
export const reduceEvent = z.object({
  BatchInput: z.object(jobRef),
  Items: z.array(z.object({ partition: count })).min(1),
});

/** The collect function's event: plan the reduce stage, commit, or abort. */
export const collectEvent = z.discriminatedUnion('action', [
  z.object({ action: z.literal('prepareReduce'), ...jobRef, map: resultWriterDetails }),
  z.object({
    action: z.literal('commit'),
    ...jobRef,
    map: resultWriterDetails,
    reduce: resultWriterDetails.nullish(),
  }),
  z.object({
    action: z.literal('abort'),
    ...jobRef,
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  }),
]);

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

/** The plan function's event, as the EventBridge schedule's input transformer makes it. */
export const scheduledEvent = z.object({
  schedule: z.string().min(1),
  time: z.string().optional(),
});
