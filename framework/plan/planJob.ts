import { randomBytes } from 'node:crypto';
import type { Job } from '../job/defineJob.js';
import type { BadRecordPolicy } from '../job/options.js';
import type { OutputFormat, Split } from '../job/types.js';
import type { Store } from '../store/Store.js';
import { type JobPlan, type JobRef, workKeys } from '../tasks/payloads.js';
import { checkOutput } from './checkOutput.js';
import { type InputFile, listInputs } from './listInputs.js';
import { makeSplits } from './makeSplits.js';

/** What the driver needs to plan one run of a job. */
export interface PlanRequest {
  readonly job: Job;
  /** Job name, in `job.json` and the job id. */
  readonly name: string;
  /** How tasks load the job: a module path (embedded) or a registry name (AWS). */
  readonly module: string;
  readonly inputs: readonly string[];
  /** The inputs already listed by the caller; listed here when absent. */
  readonly files?: readonly InputFile[];
  /** Output location URI. */
  readonly output: string;
  readonly outputFormat: OutputFormat;
  /** The store and bucket name of the job's working objects. */
  readonly work: { readonly store: Store; readonly bucket: string; readonly prefix?: string };
  readonly reducers: number;
  readonly splitSize: number;
  readonly memoryBudget: number;
  readonly maxRecordBytes: number;
  /** @default fail on the first bad record */
  readonly badRecords?: BadRecordPolicy;
  /**
   * Replace the stepmr result the output location holds (only its parts and `_SUCCESS`); an
   * output holding anything else is refused either way. @default false
   */
  readonly overwrite?: boolean;
  /** A windowed stream batch: its window size and watermark, for its tasks. */
  readonly window?: JobPlan['window'];
  /** A stream batch's previous state, which its reducers merge (see `mergeState`). */
  readonly state?: JobPlan['state'];
  readonly jobId?: string;
  readonly now?: () => number;
  /** A delegate job's stage (see `resolveDelegate`). */
  readonly delegate?: JobPlan['delegate'];
}

/** The outcome of planning: the execution input and what was written. */
export interface PlannedJob {
  readonly ref: JobRef;
  readonly plan: JobPlan;
  readonly splits: readonly Split[];
}

/** A job id that sorts by time: `wordcount-20261123T190212-3fa9c1`. */
export function newJobId(name: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'job';
  return `${safe}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * The driver: checks the output (see {@link checkOutput}: not an input, not inside one, empty
 * or a stepmr result to replace), lists the input, cuts it into splits, and writes `job.json`
 * and `splits.jsonl` under the job's prefix in the work store. Every run, submit and schedule
 * is planned here. Returns the `JobRef` to start the state machine with.
 *
 * @example
 * ```ts
 * const { ref } = await planJob({ job, name: 'wordcount', module, inputs: ['corpus/'], output, outputFormat, work, reducers: 4, splitSize: 64 << 20, memoryBudget: 256 << 20, maxRecordBytes: 8 << 20 });
 * ```
 */
export async function planJob(request: PlanRequest): Promise<PlannedJob> {
  const now = request.now?.() ?? Date.now();
  const jobId = request.jobId ?? newJobId(request.name, now);
  const ref: JobRef = { jobId, bucket: request.work.bucket, prefix: `${request.work.prefix ?? ''}${jobId}/` };
  const files = request.files ?? (await listInputs(request.inputs));
  const replacing = await checkOutput({
    inputs: request.inputs,
    output: request.output,
    overwrite: request.overwrite ?? false,
    bucket: request.work.bucket,
  });
  const splits = makeSplits(files, request.splitSize);
  const plan: JobPlan = {
    version: 1,
    jobId,
    createdAt: new Date(now).toISOString(),
    job: { name: request.name, module: request.module },
    inputs: [...request.inputs],
    output: request.output,
    input: request.job.input,
    outputFormat: request.outputFormat,
    reducers: request.job.reduce ? request.reducers : 0,
    splits: splits.length,
    splitSize: request.splitSize,
    inputBytes: files.reduce((n, f) => n + f.size, 0),
    memoryBudget: request.memoryBudget,
    maxRecordBytes: request.maxRecordBytes,
    badRecords: request.badRecords ?? { policy: 'fail', max: 0 },
    overwrite: replacing,
    ...(request.delegate ? { delegate: request.delegate } : {}),
    ...(request.window ? { window: request.window } : {}),
    ...(request.state ? { state: request.state } : {}),
  };
  const store = request.work.store;
  await store.put(workKeys.plan(ref), `${JSON.stringify(plan, null, 2)}\n`);
  await store.put(workKeys.splits(ref), splits.map((s) => `${JSON.stringify(s)}\n`).join(''));
  return { ref, plan, splits };
}
