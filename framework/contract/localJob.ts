import * as z from 'zod';
import { JOB_ID } from './names.js';

/**
 * The record of one job run on this machine, `~/.stepmr/jobs/<job id>.json` (or under
 * `$STEPMR_HOME`): written by the process that runs it as the run goes, read by `stepmr
 * status`, `list` and `stop` in any other. `calls` holds the embedded engine's answers to the
 * Step Functions operations that report a job (DescribeExecution, ListMapRuns, DescribeMapRun,
 * ListExecutions of a Map Run), keyed by operation and request, dates as ISO text.
 *
 * @example
 * ```ts
 * const record = localJobRecordSchema.parse(JSON.parse(text));
 * ```
 */
export const localJobRecordSchema = z.object({
  version: z.literal(1),
  jobId: z.string().regex(JOB_ID, 'must be a job id'),
  executionArn: z.string().min(1),
  /** The process running the job. */
  pid: z.number().int().positive(),
  /** The job's output location (a URI). */
  output: z.string(),
  updatedAt: z.iso.datetime(),
  calls: z.record(z.string(), z.unknown()),
});

/** A job run on this machine, as its record says. */
export type LocalJobRecord = z.infer<typeof localJobRecordSchema>;

/**
 * A request to stop a job run on this machine, `<job id>.stop.json` beside its record: the
 * process running it stops the execution with this error and cause at its next poll.
 *
 * @example
 * ```ts
 * const request = stopRequestSchema.parse(JSON.parse(text));
 * ```
 */
export const stopRequestSchema = z.object({
  error: z.string().max(256),
  cause: z.string().max(32_768),
});
