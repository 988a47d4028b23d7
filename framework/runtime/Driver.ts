import type { Store } from '../store/Store.js';
import { readSuccess, type SuccessManifest } from '../tasks/manifest.js';
import { InvalidOptionError, JobCancelledError, JobFailedError } from './errors.js';
import {
  describeFailure,
  type ExecutionReport,
  type ExecutionStatus,
  type ExecutionSummary,
  getExecutionStatus,
  listJobExecutions,
  type StopOutcome,
  stopJobExecution,
} from './executions.js';
import { MapBytesReader } from './mapBytes.js';
import type { Orchestrator } from './orchestrator.js';
import { type PlannedRun, planRun, type RunRequest, type WorkLocation } from './planRun.js';
import { stageTimes, type WatchOptions, watchExecution } from './watchExecution.js';

/** One orchestrator to drive jobs on: Step Functions, or the embedded engine. */
export interface Backend {
  readonly orchestrator: Orchestrator;
  /** The state machine every job runs. */
  readonly stateMachineArn: string;
  /** Where jobs are planned; a backend without one only reports on jobs. */
  readonly work?: WorkLocation;
  /** Checks an output URI before planning, and returns it as a prefix. @default as it is */
  readonly checkOutput?: (output: string) => string;
  /** Clears what a stopped job leaves; resolves with a line saying what was done. */
  readonly afterStop?: (stop: StopOutcome, executionArn: string) => Promise<string | undefined>;
  /**
   * The store of a job's working objects in `bucket` (named by its execution input), from which
   * a report reads the bytes its Map stage has read; without one, reports show counts only. It
   * throws for a bucket the backend does not read.
   */
  readonly workStore?: (bucket: string) => Store;
}

/** A started job. */
export interface StartedJob {
  readonly jobId: string;
  readonly executionArn: string;
  /** The output location, a URI ending in `/`. */
  readonly output: string;
  readonly splits: number;
  readonly inputBytes: number;
  readonly reducers: number;
}

/** `1 of 3 map splits failed`: the stage that failed past its tolerance, in plain words. */
function failedItems(report: ExecutionReport): string {
  const stage = report.stages.find((s) => s.failed > 0);
  if (!stage) return 'a task failed';
  const unit = stage.name === 'Reduce' ? 'partition' : stage.name === 'Map' ? 'split' : 'item';
  const of = `${stage.failed} of ${stage.total} ${stage.name.toLowerCase()} ${unit}${stage.total === 1 ? '' : 's'}`;
  return `${of} failed${stage.name === 'Map' ? ' (--tolerate lets a job succeed without them)' : ''}`;
}

/** What a finished run reports. */
export interface RunSummary {
  readonly jobId: string;
  readonly output: string;
  readonly manifest: SuccessManifest;
  readonly wallMs: number;
  /** Wall time of each state (Map, Shuffle, Reduce, Commit) and of planning, ms. */
  readonly stageMs: Readonly<Record<string, number>>;
}

/** How {@link Driver.follow} follows a job. */
export interface FollowOptions extends WatchOptions {
  /** Stops the job itself (it ends ABORTED, publishing nothing), not only the watching. */
  readonly cancel?: AbortSignal;
}

/** `s3://b/out/wc` → `s3://b/out/wc/`. */
const asPrefix = (uri: string) => (uri.endsWith('/') ? uri : `${uri}/`);

/**
 * The one driver of stepmr: plans a run, builds its execution input, starts it, follows it and
 * sums it up — and reports, lists and stops jobs — over one {@link Backend}, whichever
 * orchestrator that is. `stepmr run`, `redrive`, `submit`, `trigger`'s scheduler function and the
 * schedules all go through it.
 *
 * @example
 * ```ts
 * const driver = new Driver(backend);
 * const summary = await driver.run({ job, name: 'wordcount', module, inputs, output });
 * ```
 */
export class Driver {
  constructor(readonly backend: Backend) {}

  /** Plans a run and starts its execution, named after the job. */
  async start(request: RunRequest, onPlan?: (planned: PlannedRun) => void): Promise<StartedJob> {
    const { work, checkOutput } = this.backend;
    if (!work) throw new InvalidOptionError('this backend reports on jobs and starts none');
    const check = checkOutput ?? ((uri: string) => uri);
    const checked: RunRequest =
      'redrive' in request
        ? { ...request, redrive: asPrefix(check(request.redrive)) }
        : { ...request, output: check(request.output) };
    const planned = await planRun(checked, work);
    onPlan?.(planned);
    const { input } = planned;
    const started = await this.backend.orchestrator.startExecution({
      stateMachineArn: this.backend.stateMachineArn,
      name: input.jobId,
      input: JSON.stringify(input),
    });
    return {
      jobId: input.jobId,
      executionArn: started.executionArn ?? '',
      output: asPrefix(planned.output),
      splits: planned.splits,
      inputBytes: planned.inputBytes,
      reducers: planned.reducers,
    };
  }

  /** Follows a job to its end; with `cancel`, aborting it stops the job. */
  async follow(started: StartedJob, options: FollowOptions = {}): Promise<ExecutionReport> {
    const { orchestrator } = this.backend;
    const cancel = () =>
      void orchestrator
        .stopExecution({
          executionArn: started.executionArn,
          error: 'Stepmr.Cancelled',
          cause: 'the run was cancelled',
        })
        .catch(() => undefined);
    options.cancel?.addEventListener('abort', cancel, { once: true });
    if (options.cancel?.aborted) cancel();
    try {
      return await watchExecution(orchestrator, started.executionArn, { work: this.#work(), ...options });
    } finally {
      options.cancel?.removeEventListener('abort', cancel);
    }
  }

  /**
   * The summary of a job that ended: its `_SUCCESS` and times. A job that did not succeed is a
   * `JobFailedError` naming the error to fix (a task's own, when a stage failed past its
   * tolerance); one that was stopped is a `JobCancelledError`.
   */
  async summarise(started: StartedJob, report: ExecutionReport, startedAt: number): Promise<RunSummary> {
    const { jobId, output } = started;
    if (report.status === 'ABORTED') {
      throw new JobCancelledError(
        `job ${jobId} was cancelled (${describeFailure(report)}); nothing was published`,
      );
    }
    if (report.status !== 'SUCCEEDED') {
      const task = report.taskFailure && describeFailure({ status: 'FAILED', ...report.taskFailure });
      const reason = !task
        ? describeFailure(report)
        : report.error === 'States.ExceedToleratedFailureThreshold'
          ? `${failedItems(report)}: ${task}`
          : `${describeFailure(report)}; first failed task: ${task}`;
      const verb = report.status === 'FAILED' ? 'failed' : report.status;
      throw new JobFailedError(`job ${jobId} ${verb}, nothing was published at ${output}: ${reason}`);
    }
    const manifest = await readSuccess(output);
    if (!manifest) throw new JobFailedError(`job ${jobId} succeeded, but ${output} holds no _SUCCESS`);
    const end = report.stopDate?.getTime() ?? Date.now();
    return {
      jobId,
      output: output.replace(/\/$/, ''),
      manifest,
      wallMs: end - startedAt,
      stageMs: await stageTimes(this.backend.orchestrator, started.executionArn),
    };
  }

  /** Plans, starts and follows a run to its summary. */
  async run(
    request: RunRequest,
    options: FollowOptions & { readonly onPlan?: (planned: PlannedRun) => void } = {},
  ): Promise<RunSummary> {
    const startedAt = Date.now();
    let planMs = 0;
    const started = await this.start(request, (planned) => {
      planMs = Date.now() - startedAt;
      options.onPlan?.(planned);
    });
    const summary = await this.summarise(started, await this.follow(started, options), startedAt);
    return { ...summary, stageMs: { Plan: planMs, ...summary.stageMs } };
  }

  /** The report of a job's execution: now, or at its end with `watch`. */
  status(executionArn: string, watch?: WatchOptions): Promise<ExecutionReport> {
    const { orchestrator } = this.backend;
    const work = this.#work();
    return watch
      ? watchExecution(orchestrator, executionArn, { work, ...watch })
      : getExecutionStatus(orchestrator, executionArn, { work });
  }

  /** A reader of the Map stage's bytes, for one report or one watch (it reads the plan once). */
  #work(): MapBytesReader | undefined {
    const open = this.backend.workStore;
    return open ? new MapBytesReader(open) : undefined;
  }

  /** The recent jobs, newest first. */
  list(
    options: { readonly status?: ExecutionStatus; readonly limit?: number } = {},
  ): Promise<ExecutionSummary[]> {
    return listJobExecutions(this.backend.orchestrator, this.backend.stateMachineArn, options);
  }

  /** Stops a running job; then clears what it leaves behind (see {@link Backend.afterStop}). */
  async stop(
    executionArn: string,
    cause?: string,
  ): Promise<StopOutcome & { readonly cleared: string | undefined }> {
    const outcome = await stopJobExecution(this.backend.orchestrator, executionArn, cause ? { cause } : {});
    const cleared =
      outcome.status === 'ABORTED' ? await this.backend.afterStop?.(outcome, executionArn) : undefined;
    return { ...outcome, cleared };
  }

  /** The ARN of an execution given as an ARN, or by its name (the job id). */
  executionArn(ref: string): string {
    if (ref.startsWith('arn:')) return ref;
    return `${this.backend.stateMachineArn.replace(':stateMachine:', ':execution:')}:${ref}`;
  }
}
