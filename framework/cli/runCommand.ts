import type { Command } from 'commander';
import type { EngineEvent } from '../engine/index.js';
import type { RunSummary } from '../runtime/Driver.js';
import { JobRegistry } from '../runtime/embedded/jobRegistry.js';
import { type EmbeddedExecution, runEmbedded } from '../runtime/embedded/runEmbedded.js';
import type { TaskProgress } from '../tasks/deps.js';
import { type JobFlags, jobOptions, runOptionsOf } from './jobOptions.js';
import { Progress } from './Progress.js';
import { positiveInt } from './parse.js';
import { plural, STAGE_KINDS } from './progressView.js';
import { formatSummary } from './summary.js';

/** The flags of the embedded runtime's workers, for `stepmr run` and `stepmr redrive`. */
export interface WorkerFlags {
  readonly threads?: number;
  readonly taskTimeout?: number;
  readonly taskMemory?: number;
}

interface RunFlags extends JobFlags, WorkerFlags {
  readonly progress: boolean;
  readonly json?: boolean;
}

/**
 * Adds `--threads`, `--task-timeout` and `--task-memory`: the local "Lambda" concurrency, and
 * the timeout and memory of a task, as the functions' settings in serverless.yml.
 */
export function workerOptions(command: Command, scope = ''): Command {
  return command
    .option(
      '-t, --threads <n>',
      `worker threads${scope} (default: number of cores)`,
      positiveInt('--threads', 256),
    )
    .option(
      '--task-timeout <seconds>',
      `a task running longer is stopped and retried, as by Lambda's timeout${scope} (default: 900)`,
      positiveInt('--task-timeout', 900),
    )
    .option(
      '--task-memory <MB>',
      `a task's heap limit; past it the task fails with Runtime.OutOfMemory and is retried${scope} (default: 3008)`,
      positiveInt('--task-memory', 10_240),
    );
}

/** The embedded execution settings the worker flags set. */
export function workerSettings(
  flags: WorkerFlags,
): Pick<EmbeddedExecution, 'threads' | 'taskTimeoutSeconds' | 'taskMemoryMb'> {
  return {
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.taskTimeout ? { taskTimeoutSeconds: flags.taskTimeout } : {}),
    ...(flags.taskMemory ? { taskMemoryMb: flags.taskMemory } : {}),
  };
}

/** A finished task's own figures, from its output: its first item, the bytes and records it read. */
function finishedTask(output: unknown): { first: number; bytes: number; records: number } | undefined {
  const o = output as {
    splits?: unknown;
    parts?: { part?: unknown }[];
    bytesIn?: unknown;
    recordsIn?: unknown;
  } | null;
  const first = Array.isArray(o?.splits) ? o.splits[0] : o?.parts?.[0]?.part;
  if (typeof first !== 'number' || typeof o?.recordsIn !== 'number') return undefined;
  return {
    first,
    bytes: Array.isArray(o.splits) && typeof o.bytesIn === 'number' ? o.bytesIn : 0,
    records: o.recordsIn,
  };
}

/** Adds `stepmr run`. */
export function addRunCommand(program: Command): void {
  const command = jobOptions(
    program
      .command('run')
      .description('run a job on this machine (the embedded engine executing the job’s state machine)')
      .argument('<job>', 'the job module: a .ts file, or a folder with job.ts'),
    {
      input: 'input files, directories (read recursively) or globs',
      output: 'output directory (refused if it exists and is not empty)',
    },
  );
  workerOptions(command)
    .option('--no-progress', 'do not show progress')
    .option('--json', 'print the _SUCCESS manifest as JSON on stdout when done')
    .action((job: string, flags: RunFlags) =>
      runHere(flags, (hooks) =>
        runEmbedded({
          job,
          inputs: flags.input,
          output: flags.output,
          overwrite: flags.overwrite ?? false,
          ...runOptionsOf(flags),
          ...workerSettings(flags),
          ...hooks,
        }),
      ),
    );
}

/**
 * Runs a job on this machine as `stepmr run` and `stepmr redrive` do: recorded in the registry
 * of this machine, progress on stderr, Ctrl-C (or `stepmr stop`) cancels the job (a second
 * Ctrl-C quits at once), then the summary, and with `--json` the manifest on stdout.
 */
export async function runHere(
  flags: { readonly progress: boolean; readonly json?: boolean },
  start: (
    hooks: Required<Pick<EmbeddedExecution, 'signal' | 'onPlan' | 'onEvent' | 'onTaskProgress' | 'registry'>>,
  ) => Promise<RunSummary>,
): Promise<void> {
  const progress = new Progress(process.stderr);
  let bytesTotal = 0;
  let current = '';
  const onEvent = (event: EngineEvent) => {
    if (!flags.progress) return;
    if (event.type === 'ExecutionSucceeded') {
      // A finished map or reduce task reports what it read.
      const task = finishedTask(event.output);
      if (task) progress.task(current, task.first, task.bytes, task.records);
    } else if (event.type === 'MapRunStarted') {
      const stage = STAGE_KINDS[event.stateName];
      current = stage?.label ?? '';
      if (stage)
        progress.start(stage.label, event.total, stage.unit, event.stateName === 'Map' ? bytesTotal : 0);
    } else if (event.type === 'MapRunProgress') {
      const stage = STAGE_KINDS[event.stateName];
      const tasks = event.executionCounts;
      if (stage)
        progress.counts(stage.label, {
          itemsDone: event.itemCounts.succeeded,
          items: event.itemCounts.total,
          succeeded: tasks.succeeded,
          failed: tasks.failed + tasks.timedOut,
        });
    } else if (event.type === 'StateExited') {
      const stage = STAGE_KINDS[event.name];
      if (stage) progress.finish(stage.label);
    }
  };
  const onTaskProgress = (report: TaskProgress) => {
    if (flags.progress) progress.task(report.stage, report.task, report.bytes, report.records);
  };
  // Ctrl-C stops the execution and its workers; a second Ctrl-C exits at once.
  const cancel = new AbortController();
  const onSigint = () => {
    if (cancel.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping: cancelling the job (Ctrl-C again to quit at once)\n');
    cancel.abort();
  };
  process.on('SIGINT', onSigint);
  const summary = await start({
    signal: cancel.signal,
    onPlan: (plan) => {
      bytesTotal = plan.inputBytes;
      if (flags.progress) {
        process.stderr.write(
          `job ${plan.jobId}: ${plural(plan.splits, 'split')}, ${plan.reducers ? plural(plan.reducers, 'reducer') : 'map-only'}\n`,
        );
      }
    },
    onEvent,
    onTaskProgress,
    // `stepmr status`, `list` and `stop` in another shell see the run through its record.
    registry: JobRegistry.ofHome(),
  }).finally(() => process.off('SIGINT', onSigint));
  progress.close();
  process.stderr.write(formatSummary(summary));
  if (flags.json) process.stdout.write(`${JSON.stringify(summary.manifest, null, 2)}\n`);
}
