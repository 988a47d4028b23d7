import { mkdtempSync } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { Engine, type EngineEvent } from '../../engine/index.js';
import type { Job } from '../../job/defineJob.js';
import type { RunOptions } from '../../job/options.js';
import { type InputFile, listInputs } from '../../plan/listInputs.js';
import { buildDefinition } from '../../statemachine/buildDefinition.js';
import { FileStore } from '../../store/FileStore.js';
import { toUri } from '../../store/uri.js';
import type { TaskProgress } from '../../tasks/deps.js';
import type { CompiledModules } from '../compileUserModules.js';
import { type Backend, Driver, type RunSummary } from '../Driver.js';
import { OutputExistsError } from '../errors.js';
import { loadJobModule, resolveJobModule } from '../loadJob.js';
import type { RunRequest } from '../planRun.js';
import { compiledUserModules } from '../userModules.js';
import { LOCAL_BUCKETS_ENV, PRELOAD_JOB_ENV, PROGRESS_CHANNEL } from './embeddedDeps.js';
import { engineOrchestrator } from './engineOrchestrator.js';
import type { JobRegistry } from './jobRegistry.js';
import { recordingOrchestrator } from './registryOrchestrator.js';
import { WorkerPoolInvoker } from './WorkerPoolInvoker.js';

export type { RunSummary } from '../Driver.js';

/** The bucket name of a job's working objects in the embedded runtime. */
export const WORK_BUCKET = 'stepmr-work';

/** The function ARNs of the embedded runtime: the deployed handlers, run by the worker pool. */
export const EMBEDDED_FUNCTIONS = {
  map: 'arn:aws:lambda:local:000000000000:function:stepmr-local-map',
  reduce: 'arn:aws:lambda:local:000000000000:function:stepmr-local-reduce',
  delegate: 'arn:aws:lambda:local:000000000000:function:stepmr-local-delegate',
  collect: 'arn:aws:lambda:local:000000000000:function:stepmr-local-collect',
} as const;

/** The state machine of the embedded runtime; its executions are named after their jobs. */
export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:stepmr-local';

/** How the embedded runtime executes a job: threads, cancellation and progress. */
export interface EmbeddedExecution {
  /** Worker threads. @default the number of cores */
  readonly threads?: number;
  /**
   * A task running longer is stopped (its worker replaced) and fails with `Sandbox.Timedout`,
   * which the state machine retries, as Lambda's function timeout. @default 900
   */
  readonly taskTimeoutSeconds?: number;
  /**
   * A task's heap limit, MB, as Lambda's memory setting: a task past it fails with
   * `Runtime.OutOfMemory`, which the state machine retries. @default 3008
   */
  readonly taskMemoryMb?: number;
  /** Failed map tasks tolerated: the job then succeeds and `_SUCCESS` lists their splits. */
  readonly tolerate?: RunOptions['tolerate'];
  /** Cancels the run: the execution stops, its workers are terminated, nothing is published. */
  readonly signal?: AbortSignal;
  /** Progress events of the engine. */
  readonly onEvent?: (event: EngineEvent) => void;
  /** What the run's tasks have read so far, as they report it (about every 250 ms each). */
  readonly onTaskProgress?: (report: TaskProgress) => void;
  /** Called once the plan is written, with the number of splits and input bytes. */
  readonly onPlan?: (plan: { jobId: string; splits: number; inputBytes: number; reducers: number }) => void;
  /**
   * Records the run in this registry as it goes, so that `stepmr status`, `list` and `stop` in
   * another process see it (the `stepmr` command records every run). @default not recorded
   */
  readonly registry?: JobRegistry;
}

/** One run of a job on this machine. */
export interface EmbeddedRun extends RunOptions, EmbeddedExecution {
  /** The job module: a file, or a folder with job.ts. */
  readonly job: string;
  readonly inputs: readonly string[];
  /** The output directory. */
  readonly output: string;
  /**
   * Replace the stepmr result the output directory holds (its parts and `_SUCCESS`, nothing
   * else); a directory holding anything else is refused either way. @default false
   */
  readonly overwrite?: boolean;
  /** Splits per map task; small splits are grouped. @default so that a task reads about 16 MiB */
  readonly splitsPerTask?: number;
  /** The inputs already listed, with the sizes to read (a stream's batch). @default listed now */
  readonly files?: readonly InputFile[];
  /** The job id (and execution name). @default a new one */
  readonly jobId?: string;
}

/**
 * Checks that the output location is no file, and returns whether it exists already: a failed
 * run removes only an output directory it made. What it may hold is checked by the planning
 * (`checkOutput`), before anything is written there.
 */
async function outputExists(output: string): Promise<boolean> {
  const info = await stat(output).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new OutputExistsError(`output ${output} is a file; choose a directory path for --output`);
  }
  return info !== undefined;
}

/**
 * Runs a job on this machine: plans it, builds its state machine, and executes that definition
 * in the embedded engine with the deployed handlers on a worker pool, through the one
 * {@link Driver}. Resolves with the committed manifest; rejects with `JobFailedError` (nothing
 * published) on failure, `JobCancelledError` when cancelled.
 *
 * @example
 * ```ts
 * const summary = await runEmbedded({ job: 'examples/wordcount', inputs: ['corpus'], output: 'out/wc' });
 * console.log(summary.manifest.records.out);
 * ```
 */
export async function runEmbedded(run: EmbeddedRun): Promise<RunSummary> {
  const modulePath = await resolveJobModule(run.job);
  const output = resolve(run.output);
  // A TypeScript job is compiled once, here, for this thread and every worker.
  const userModules = await compiledUserModules(modulePath);
  // The workers start now, and load the handlers and this job while this thread loads the
  // job too and lists the input, rather than after.
  const started = embeddedBackend(join(output, '_temporary'), run, modulePath, userModules);
  let handedOver = false;
  try {
    const job: Job = await loadJobModule(modulePath);
    // Bad input is reported before an existing output is touched, even with --overwrite.
    const files = run.files ?? (await listInputs(run.inputs));
    const existed = await outputExists(output);
    // The request is the run's own options; how it executes is the engine's business.
    const { job: _, output: __, files: ___, threads, taskTimeoutSeconds, taskMemoryMb, ...rest } = run;
    const { signal, onEvent, onPlan, registry, ...options } = rest;
    handedOver = true;
    return await execute(
      output,
      existed,
      run,
      {
        ...options,
        job,
        name: job.name ?? basename(dirname(modulePath)),
        module: modulePath,
        files,
        output: toUri(output),
      },
      started,
    );
  } finally {
    if (!handedOver) await started.close();
  }
}

/** One redrive on this machine: the output of the job whose failed splits to run again. */
export interface EmbeddedRedrive extends EmbeddedExecution {
  /** The output directory of a job that succeeded with tolerated failures. */
  readonly output: string;
}

/**
 * Redrives a job run on this machine that succeeded with tolerated map failures: runs its
 * failed splits again (with the job module as it is now), then the shuffle, reduce and commit
 * over them and the map results the job kept in `<output>/_temporary/<job id>/`. The commit
 * replaces the job's result with the one a clean run publishes. If the redrive fails, the
 * earlier result and what it kept stay, so it can be redriven again.
 *
 * @example
 * ```ts
 * const summary = await redriveEmbedded({ output: 'out/wc' });
 * console.log(summary.manifest.failedSplits.length); // 0 once every split succeeded
 * ```
 */
export async function redriveEmbedded(run: EmbeddedRedrive): Promise<RunSummary> {
  const output = resolve(run.output);
  return execute(output, true, run, { redrive: toUri(output), tolerate: run.tolerate });
}

/**
 * The embedded engine over a worker pool, and the orchestrator adapter over it, its work store
 * in `workDir`. A stream keeps one for all its batches. With `preloadJob`, each worker loads
 * that job module as soon as it has its handlers; with `userModules` (what
 * `compiledUserModules` gave), it loads them compiled, with no TypeScript loader.
 *
 * @example
 * ```ts
 * const { backend, close } = embeddedBackend('/tmp/work', { threads: 2 });
 * ```
 */
export function embeddedBackend(
  workDir: string,
  run: EmbeddedExecution,
  preloadJob?: string,
  userModules?: CompiledModules,
) {
  const work = new FileStore(workDir);
  // The tasks' spills and staged map outputs go to a folder of this backend's own, removed at
  // close: a task stopped mid-way (a sibling failed the job, a timeout, a cancel) has its
  // worker terminated, and cannot clear what it had written there itself.
  const scratch = mkdtempSync(join(tmpdir(), 'stepmr-run-'));
  const invoker = new WorkerPoolInvoker({
    ...(run.threads ? { threads: run.threads } : {}),
    ...(run.taskTimeoutSeconds ? { timeoutSeconds: run.taskTimeoutSeconds } : {}),
    ...(run.taskMemoryMb ? { memoryMb: run.taskMemoryMb } : {}),
    ...(userModules ? { userModules } : {}),
    env: {
      [LOCAL_BUCKETS_ENV]: JSON.stringify({ [WORK_BUCKET]: workDir }),
      STEPMR_TMP_DIR: scratch,
      // The CLI reports failures itself; the functions' JSON logs are for Lambda.
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      ...(preloadJob ? { [PRELOAD_JOB_ENV]: preloadJob } : {}),
    },
  });
  const engine = new Engine({
    invoker,
    region: 'local',
    accountId: '000000000000',
    stores: (bucket: string) => {
      if (bucket !== WORK_BUCKET) throw new Error(`unknown bucket ${bucket}`);
      return work;
    },
    ...(run.onEvent ? { onEvent: run.onEvent } : {}),
  });
  const definition = buildDefinition({ functions: EMBEDDED_FUNCTIONS });
  const orchestrator = engineOrchestrator(engine, [
    { name: 'stepmr-local', arn: LOCAL_STATE_MACHINE_ARN, definition },
  ]);
  const backend = {
    orchestrator,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    work: { store: work, bucket: WORK_BUCKET },
  } satisfies Backend;
  const close = async () => {
    orchestrator.close();
    await invoker.close();
    await rm(scratch, { recursive: true, force: true });
  };
  return { backend, close };
}

/**
 * Plans and runs `request` through the driver over the embedded backend, the work store in
 * `<output>/_temporary`. A failed or cancelled run removes its working objects, and the output
 * directory too if the run made it (it did not exist before: `existed`). A job that succeeded
 * with failed splits keeps what a redrive needs.
 */
async function execute(
  output: string,
  existed: boolean,
  run: EmbeddedExecution,
  request: RunRequest,
  started = embeddedBackend(join(output, '_temporary'), run),
): Promise<RunSummary> {
  const workDir = join(output, '_temporary');
  const { backend, close } = started;
  const recording = run.registry && recordingOrchestrator(backend.orchestrator, run.registry, output);
  let jobId: string | undefined;
  let summary: RunSummary | undefined;
  const progress = run.onTaskProgress && listenToProgress(run.onTaskProgress, () => jobId);
  try {
    const driver = new Driver(recording ? { ...backend, orchestrator: recording } : backend);
    summary = await driver.run(request, {
      intervalMs: 1000,
      onPlan: (planned) => {
        jobId = planned.input.jobId;
        run.onPlan?.({ jobId, ...planned });
      },
      ...(run.signal ? { cancel: run.signal } : {}),
    });
    return { ...summary, output };
  } finally {
    progress?.close();
    await recording?.close();
    await close();
    const manifest = summary?.manifest;
    if (manifest && manifest.failedSplits.length === 0 && (manifest.delegate?.failed ?? 0) === 0) {
      // Complete: nothing in _temporary is needed any more, a redriven job's objects included.
      await rm(workDir, { recursive: true, force: true });
    } else if (manifest) {
      await removeEmptyDirs(workDir);
    } else {
      if (jobId) await rm(join(workDir, jobId), { recursive: true, force: true });
      await rmdir(workDir).catch(() => undefined);
      // A failed run leaves no output directory it made; one that was there stays as it was.
      if (!existed) await rm(output, { recursive: true, force: true });
    }
  }
}

/** Passes on the progress the workers report for the job `jobId()`. */
function listenToProgress(onProgress: (report: TaskProgress) => void, jobId: () => string | undefined) {
  const channel = new BroadcastChannel(PROGRESS_CHANNEL);
  channel.onmessage = (message: unknown) => {
    const report = (message as { data?: TaskProgress }).data;
    if (report?.jobId !== undefined && report.jobId === jobId()) onProgress(report);
  };
  return channel;
}

/** Removes the directories under `dir` that the commit's deletes left empty (its own if empty too). */
async function removeEmptyDirs(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyDirs(join(dir, entry.name));
  await rmdir(dir).catch(() => undefined);
}
