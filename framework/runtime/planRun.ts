import { type RunOptions, resolveDelegate, resolveOptions, type Tolerance } from '../job/options.js';
import { listInputs } from '../plan/listInputs.js';
import { type PlanRequest, planJob } from '../plan/planJob.js';
import { planRedrive } from '../plan/planRedrive.js';
import { executionInput, type JobExecutionInput } from '../statemachine/executionInput.js';
import type { Store } from '../store/Store.js';
import { InvalidOptionError } from './errors.js';
import { defaultSplitsPerTask } from './splitsPerTask.js';

/** Where a job's working objects go: a store, its bucket name, and the jobs' common prefix. */
export interface WorkLocation {
  readonly store: Store;
  readonly bucket: string;
  readonly prefix?: string;
}

/** Fields every request may set. */
interface RequestBase {
  /** Failed map tasks tolerated: the job then succeeds and `_SUCCESS` lists their splits. */
  readonly tolerate?: Tolerance | undefined;
  /** The execution's (and the job's) name. @default a new job id */
  readonly jobId?: string;
  readonly now?: () => number;
}

/** One run of a job: what planning takes (see `PlanRequest`), with the run's own options. */
export interface JobRequest
  extends RunOptions,
    RequestBase,
    Pick<
      PlanRequest,
      'job' | 'name' | 'module' | 'inputs' | 'files' | 'output' | 'overwrite' | 'window' | 'state'
    > {
  /** Splits per map task. @default about 16 MiB of input per task */
  readonly splitsPerTask?: number;
  /**
   * A delegate job: the id that names its calls' `Idempotency-Key`s (`<callKeys>-<index>`). A
   * stream's batch N passes `<stream>-b<N>`, so every run of the batch (`-r<k>`) sends the
   * keys of the first. @default the job id
   */
  readonly callKeys?: string;
}

/** The redrive of a job that succeeded with tolerated map failures. */
export interface RedriveRequest extends RequestBase {
  /** The output location URI of the job to redrive. */
  readonly redrive: string;
}

/** What a driver runs: a job, or the redrive of one. */
export type RunRequest = JobRequest | RedriveRequest;

/** A planned run: its execution input, and the figures a progress report shows. */
export interface PlannedRun {
  readonly input: JobExecutionInput;
  readonly output: string;
  /** Splits this run maps (a redrive's: the failed ones). */
  readonly splits: number;
  /** Bytes of input this run maps. */
  readonly inputBytes: number;
  /** Reducers; 0 for a map-only job. */
  readonly reducers: number;
}

/**
 * Plans a run, a job's or a redrive's, into `work` (see `planJob`, `planRedrive`), and builds
 * the execution input of the state machine that runs it.
 *
 * @example
 * ```ts
 * const planned = await planRun({ job, name: 'wordcount', module, inputs: ['corpus/'], output }, work);
 * await orchestrator.startExecution({ stateMachineArn, name: planned.input.jobId, input: JSON.stringify(planned.input) });
 * ```
 */
export async function planRun(request: RunRequest, work: WorkLocation): Promise<PlannedRun> {
  const ids = {
    ...(request.jobId ? { jobId: request.jobId } : {}),
    ...(request.now ? { now: request.now } : {}),
  };
  if ('redrive' in request) {
    const planned = await planRedrive({ output: request.redrive, work, ...ids });
    const stage = planned.plan.delegate;
    const input = executionInput(planned.ref, {
      reduce: planned.plan.reducers > 0,
      splits: planned.splits.length,
      splitsPerTask: planned.splitsPerTask,
      tolerate: request.tolerate,
      delegate: stage && { callsPerTask: stage.callsPerTask, tasks: stage.tasks },
    });
    // Progress counts what this run maps: the failed splits.
    const inputBytes = planned.splits.reduce((n, s) => n + (s.end - s.start), 0);
    const { output, reducers } = planned.plan;
    return { input, output, splits: planned.splits.length, inputBytes, reducers };
  }
  const options = resolveOptions(request.job, request);
  const stage = resolveDelegate(request.job, request);
  const delegate = stage && request.callKeys ? { ...stage, keysOf: request.callKeys } : stage;
  if (delegate && request.tolerate) {
    throw new InvalidOptionError(
      `job ${request.name} delegates: a failed call is a result, so --tolerate does not apply; use --max-failed to allow failed calls`,
    );
  }
  const planned = await planJob({
    job: request.job,
    name: request.name,
    module: request.module,
    inputs: request.inputs,
    files: request.files ?? (await listInputs(request.inputs)),
    output: request.output,
    ...options,
    work,
    overwrite: request.overwrite ?? false,
    ...(delegate ? { delegate } : {}),
    ...(request.window ? { window: request.window } : {}),
    ...(request.state ? { state: request.state } : {}),
    ...ids,
  });
  const input = executionInput(planned.ref, {
    reduce: request.job.reduce !== undefined,
    splits: planned.plan.splits,
    splitsPerTask: request.splitsPerTask ?? defaultSplitsPerTask(options.splitSize),
    tolerate: request.tolerate,
    delegate: delegate && { callsPerTask: delegate.callsPerTask, tasks: delegate.tasks },
  });
  const { output, splits, inputBytes, reducers } = planned.plan;
  return { input, output, splits, inputBytes, reducers };
}
