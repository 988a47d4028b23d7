import { z } from 'zod';
import { JOB_ID } from './names.js';
import { splitSchema } from './persisted.js';

const jobRef = {
  jobId: z.string().regex(JOB_ID, 'must be a job id'),
  bucket: z.string().min(1),
  prefix: z
    .string()
    .refine((p) => p === '' || (p.endsWith('/') && !p.startsWith('/') && !p.split('/').includes('..')), {
      message: "must be '' or a relative prefix ending in '/'",
    }),
};
const resultWriterDetails = z.object({ Bucket: z.string().min(1), Key: z.string().min(1) });
const count = z.number().int().nonnegative();

/**
 * The map function's event: a batch of splits, as Distributed Map's ItemBatcher sends it.
 *
 * @example
 * ```ts
 * const event = mapEvent.parse(raw);
 * ```
 */
export const mapEvent = z.object({
  BatchInput: z.object(jobRef),
  Items: z.array(splitSchema).min(1).readonly(),
  /** Retries before this attempt (`$$.State.RetryCount`); reported back, for the job report. */
  Attempt: count.max(1000).exactOptional(),
});

/**
 * The reduce function's event: a batch of partitions.
 *
 * @example
 * ```ts
 * const event = reduceEvent.parse({ BatchInput: ref, Items: [{ partition: 0 }] });
 * ```
 */
export const reduceEvent = z.object({
  BatchInput: z.object(jobRef),
  Items: z
    .array(z.object({ partition: count }))
    .min(1)
    .readonly(),
  Attempt: count.max(1000).exactOptional(),
});

/**
 * The collect function's event: plan the reduce stage, commit, or abort.
 *
 * @example
 * ```ts
 * const event = collectEvent.parse({ action: 'abort', ...ref });
 * ```
 */
export const collectEvent = z.discriminatedUnion('action', [
  z.object({ action: z.literal('prepareReduce'), ...jobRef, map: resultWriterDetails }),
  z.object({
    action: z.literal('commit'),
    ...jobRef,
    map: resultWriterDetails,
    reduce: resultWriterDetails.nullable().exactOptional(),
  }),
  z.object({
    action: z.literal('abort'),
    ...jobRef,
    error: z.object({ Error: z.string().exactOptional(), Cause: z.string().exactOptional() }).exactOptional(),
  }),
]);

/**
 * The scheduler function's event, as the EventBridge schedule's input transformer makes it.
 *
 * @example
 * ```ts
 * const event = scheduledEvent.parse({ schedule: 'wordcount-nightly', time: '2026-12-01T03:00:00Z' });
 * ```
 */
export const scheduledEvent = z.object({
  schedule: z.string().min(1),
  time: z.string().exactOptional(),
});

/** A map task's event, as parsed. */
export type MapEvent = z.infer<typeof mapEvent>;
/** A reduce task's event, as parsed. */
export type ReduceEvent = z.infer<typeof reduceEvent>;
/** The collect function's event, as parsed. */
export type CollectEventData = z.infer<typeof collectEvent>;
/** The scheduler function's event, as parsed. */
export type ScheduledEventData = z.infer<typeof scheduledEvent>;
