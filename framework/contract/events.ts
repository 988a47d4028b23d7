import * as z from 'zod';
import { STREAM_NAME } from './batchNames.js';
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
 * The execution input of a job's state machine, as `stepmr status` reads it back from
 * DescribeExecution: where the job's working objects are, and how many splits a map task takes
 * (the Map stage's ItemBatcher). Other run settings are not read back.
 *
 * @example
 * ```ts
 * const input = jobExecutionInput.safeParse(JSON.parse(described.input ?? ''));
 * ```
 */
export const jobExecutionInput = z.object({
  ...jobRef,
  run: z.object({ splitsPerTask: z.number().int().positive().max(1000) }),
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
 * The delegate function's event: a batch of calls, each the task of one input record and its
 * position in the input. The tasks themselves are checked by the call executor.
 *
 * @example
 * ```ts
 * const event = delegateEvent.parse({ BatchInput: ref, Items: [{ index: 0, task }] });
 * ```
 */
export const delegateEvent = z.object({
  BatchInput: z.object(jobRef),
  Items: z
    .array(z.object({ index: count, task: z.unknown() }))
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
  z.object({ action: z.literal('prepareDelegate'), ...jobRef, map: resultWriterDetails }),
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

const streamName = z.string().regex(STREAM_NAME, 'must be a stream name');

/** EventBridge's schedule event: the stream is named by the rule's target, not by the event. */
const scheduledTick = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
});

/** S3's "Object Created" event, as the data bucket sends it to EventBridge. */
const objectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  time: z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().exactOptional() }),
  }),
});

/** Step Functions' "Execution Status Change" of an execution of the stack's state machine. */
const executionStatusChange = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  time: z.string(),
  detail: z.object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
  }),
});

/** `stepmr trigger <stream>`: a batch now, through the same path as the rules. */
const triggerRequested = z.object({
  source: z.literal('stepmr'),
  'detail-type': z.literal('Trigger Requested'),
  time: z.string(),
});

/**
 * The trigger function's event: an EventBridge event, as the stream's rules deliver it
 * (`{ stream, event }`, the rule's target naming the stream), or the execution rule's
 * `{ event }` of a batch execution that changed status (the stream is in its name). The
 * function checks it against its stack before it acts (see `runTrigger`).
 *
 * @example
 * ```ts
 * const { stream, event } = triggerEvent.parse({ stream: 'clicks', event: scheduled });
 * ```
 */
export const triggerEvent = z.object({
  stream: streamName.exactOptional(),
  event: z.discriminatedUnion('detail-type', [
    scheduledTick,
    objectCreated,
    executionStatusChange,
    triggerRequested,
  ]),
});

/** A map task's event, as parsed. */
export type MapEvent = z.infer<typeof mapEvent>;
/** A job's execution input, as parsed. */
export type JobExecutionInputData = z.infer<typeof jobExecutionInput>;
/** A reduce task's event, as parsed. */
export type ReduceEvent = z.infer<typeof reduceEvent>;
/** A delegate task's event, as parsed. */
export type DelegateEvent = z.infer<typeof delegateEvent>;
/** The collect function's event, as parsed. */
export type CollectEventData = z.infer<typeof collectEvent>;
/** The scheduler function's event, as parsed. */
export type ScheduledEventData = z.infer<typeof scheduledEvent>;
/** The trigger function's event, as parsed. */
export type TriggerEventData = z.infer<typeof triggerEvent>;
