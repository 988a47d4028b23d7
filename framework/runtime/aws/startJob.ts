import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BUCKET_LAYOUT } from '../../deploy/layout.js';
import type { Job } from '../../job/defineJob.js';
import { type RunOptions, resolveOptions, type Tolerance } from '../../job/options.js';
import { listInputs } from '../../plan/listInputs.js';
import { planJob } from '../../plan/planJob.js';
import { planRedrive } from '../../plan/planRedrive.js';
import { executionInput, type JobExecutionInput } from '../../statemachine/executionInput.js';
import { parseUri } from '../../store/uri.js';
import { InvalidOptionError } from '../errors.js';
import { defaultSplitsPerTask } from '../splitsPerTask.js';
import { bucketStore } from './s3.js';

/** One run of a registered job on the deployed stack. */
export interface CloudRun extends RunOptions {
  readonly job: Job;
  /** The job's name in the registry of `stepmr.config.ts`; the functions load it by this name. */
  readonly name: string;
  /** `s3://` URIs of objects, prefixes or patterns. */
  readonly inputs: readonly string[];
  /** The output prefix, an `s3://` URI under the data bucket's `out/`. */
  readonly output: string;
  /**
   * Replace the stepmr result already at the output (it stays until the commit, which removes
   * only its parts and `_SUCCESS`); an output holding other objects is refused. @default false
   */
  readonly overwrite?: boolean;
  /** The stack's data bucket: the job's working objects go under its `work/`. */
  readonly bucket: string;
  readonly stateMachineArn: string;
  /** Splits per map task. @default about 16 MiB of input per task */
  readonly splitsPerTask?: number;
  /** The execution's (and the job's) name. @default a new job id */
  readonly jobId?: string;
  readonly now?: () => number;
}

/** A started job. */
export interface StartedJob {
  readonly jobId: string;
  readonly executionArn: string;
  readonly output: string;
  readonly splits: number;
  readonly inputBytes: number;
  readonly reducers: number;
}

/** The output URI as a prefix (ending in `/`), after checking it is in the stack's `out/`. */
function outputPrefix(output: string, bucket: string): string {
  const parsed = parseUri(output.endsWith('/') ? output : `${output}/`);
  if (parsed.scheme !== 's3') {
    throw new InvalidOptionError(`--output ${output} must be an s3:// URI for a job on AWS`);
  }
  if (parsed.bucket !== bucket || !parsed.key.startsWith(BUCKET_LAYOUT.output)) {
    throw new InvalidOptionError(
      `--output ${output}: the stack's functions publish only under s3://${bucket}/${BUCKET_LAYOUT.output}; choose an output there`,
    );
  }
  return `s3://${parsed.bucket}/${parsed.key}`;
}

/**
 * Starts a job on the deployed stack, planning it from this process: lists the input in S3,
 * checks the output (in `planJob`: a folder of its own under `out/`, apart from the inputs,
 * empty or a stepmr result to replace), writes `job.json` and `splits.jsonl` under the data
 * bucket's `work/`, and starts an execution of the state machine named after the job. An
 * output that holds a result is refused unless `overwrite` is set (the old result then stays
 * until the commit).
 *
 * @example
 * ```ts
 * const started = await startJob({ job, name: 'wordcount', inputs: ['s3://data/in/corpus/'], output: 's3://data/out/wc/', bucket: 'data', stateMachineArn, sfn });
 * console.log(started.executionArn);
 * ```
 */
export async function startJob(run: CloudRun, sfn: SFNClient): Promise<StartedJob> {
  const output = outputPrefix(run.output, run.bucket);
  const options = resolveOptions(run.job, run);
  const files = await listInputs(run.inputs);
  const planned = await planJob({
    job: run.job,
    name: run.name,
    module: `job:${run.name}`,
    inputs: run.inputs,
    files,
    output,
    ...options,
    work: { store: bucketStore(run.bucket), bucket: run.bucket, prefix: BUCKET_LAYOUT.work },
    overwrite: run.overwrite ?? false,
    ...(run.jobId ? { jobId: run.jobId } : {}),
    ...(run.now ? { now: run.now } : {}),
  });
  const input = executionInput(planned.ref, {
    reduce: run.job.reduce !== undefined,
    splits: planned.plan.splits,
    splitsPerTask: run.splitsPerTask ?? defaultSplitsPerTask(options.splitSize),
    tolerate: run.tolerate,
  });
  return start(sfn, run.stateMachineArn, input, output, planned.plan);
}

/** Starts the state machine's execution of a planned job, named after it. */
async function start(
  sfn: SFNClient,
  stateMachineArn: string,
  input: JobExecutionInput,
  output: string,
  plan: { readonly splits: number; readonly inputBytes: number; readonly reducers: number },
): Promise<StartedJob> {
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: input.jobId, input: JSON.stringify(input) }),
  );
  return {
    jobId: input.jobId,
    executionArn: started.executionArn ?? '',
    output,
    splits: plan.splits,
    inputBytes: plan.inputBytes,
    reducers: plan.reducers,
  };
}

/** A redrive on the deployed stack: the output of the job whose failed splits to run again. */
export interface CloudRedrive {
  /** The output prefix of a job that succeeded with tolerated failures. */
  readonly output: string;
  /** Failed map tasks the redrive tolerates in turn. @default none */
  readonly tolerate?: Tolerance | undefined;
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly jobId?: string;
  readonly now?: () => number;
}

/**
 * Starts the redrive of a job that succeeded with tolerated map failures on the deployed stack:
 * plans it from the job's `_SUCCESS` and the `kept.json` under `work/<job id>/` (see
 * {@link planRedrive}), then starts the same state machine on the failed splits alone. Its
 * commit replaces the job's result with the whole one.
 *
 * @example
 * ```ts
 * const started = await redriveJob({ output: 's3://data/out/wc/', bucket: 'data', stateMachineArn }, sfn);
 * ```
 */
export async function redriveJob(run: CloudRedrive, sfn: SFNClient): Promise<StartedJob> {
  const output = outputPrefix(run.output, run.bucket);
  const planned = await planRedrive({
    output,
    work: { store: bucketStore(run.bucket), bucket: run.bucket, prefix: BUCKET_LAYOUT.work },
    ...(run.jobId ? { jobId: run.jobId } : {}),
    ...(run.now ? { now: run.now } : {}),
  });
  const input = executionInput(planned.ref, {
    reduce: planned.plan.reducers > 0,
    splits: planned.splits.length,
    splitsPerTask: planned.splitsPerTask,
    tolerate: run.tolerate,
  });
  return start(sfn, run.stateMachineArn, input, output, { ...planned.plan, splits: planned.splits.length });
}
