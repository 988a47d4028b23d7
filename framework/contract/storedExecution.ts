import * as z from 'zod';

const count = z.number().int().nonnegative();
const date = z.iso.datetime().transform((text) => new Date(text));
const text = z.string();

const executionStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

const executionDescription = z.object({
  executionArn: text,
  stateMachineArn: text,
  name: text,
  status: executionStatus,
  startDate: date,
  stopDate: date.exactOptional(),
  input: text,
  inputDetails: z.object({ included: z.boolean() }),
  output: text.exactOptional(),
  outputDetails: z.object({ included: z.boolean() }).exactOptional(),
  error: text.exactOptional(),
  cause: text.exactOptional(),
  mapRunArn: text.exactOptional(),
  redriveCount: count,
});

const mapRunCounts = z.object({
  pending: count,
  running: count,
  succeeded: count,
  failed: count,
  timedOut: count,
  aborted: count,
  total: count,
  resultsWritten: count,
  failuresNotRedrivable: count,
  pendingRedrive: count,
});

const storedMapRun = z.object({
  /** Its ListMapRuns item (`stateMachineArn` is the child machine's). */
  item: z.object({
    executionArn: text,
    mapRunArn: text,
    stateMachineArn: text,
    startDate: date,
    stopDate: date.exactOptional(),
  }),
  /** Its DescribeMapRun. */
  description: z.object({
    mapRunArn: text,
    executionArn: text,
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
    startDate: date,
    stopDate: date.exactOptional(),
    maxConcurrency: count,
    toleratedFailurePercentage: z.number().min(0).max(100),
    toleratedFailureCount: count,
    itemCounts: mapRunCounts,
    executionCounts: mapRunCounts,
    redriveCount: count,
  }),
  /** DescribeExecution of its child executions that did not succeed (the first ones). */
  unsuccessfulChildren: z.array(executionDescription),
});

/**
 * One top-level execution of the offline Step Functions API as it is kept on disk, version 1:
 * its DescribeExecution, its Map Runs (with the children that did not succeed), and its
 * GetExecutionHistory events, with dates as ISO 8601 text. `updatedAt` is when it was written.
 *
 * @example
 * ```ts
 * const stored = storedExecutionSchema.parse(JSON.parse(await readFile(file, 'utf8')));
 * stored.execution.startDate; // a Date
 * ```
 */
export const storedExecutionSchema = z.object({
  version: z.literal(1),
  updatedAt: date,
  execution: executionDescription,
  mapRuns: z.array(storedMapRun),
  history: z.array(z.looseObject({ id: count, previousEventId: count, timestamp: z.number(), type: text })),
});

/** A stored execution, read back (dates as `Date`). */
export type StoredExecution = z.output<typeof storedExecutionSchema>;
