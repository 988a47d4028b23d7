import type { Command } from 'commander';
import type { EngineEvent } from '../engine/index.js';
import type { RunOptions, Tolerance } from '../job/options.js';
import { runEmbedded } from '../runtime/embedded/runEmbedded.js';
import { Progress } from './Progress.js';
import { nonNegativeInt, oneOf, positiveInt, size, tolerance } from './parse.js';
import { formatSummary } from './summary.js';

interface RunFlags {
  readonly input: string[];
  readonly output: string;
  readonly reducers?: number;
  readonly splitSize?: number;
  readonly splitsPerTask?: number;
  readonly memoryBudget?: number;
  readonly maxRecordSize?: number;
  readonly format?: NonNullable<RunOptions['format']>;
  readonly threads?: number;
  readonly tolerate?: Tolerance;
  readonly badRecords?: 'fail' | 'skip';
  readonly maxBadRecords?: number;
  readonly overwrite?: boolean;
  readonly progress: boolean;
  readonly json?: boolean;
}

const STAGES: Record<string, { label: string; unit: string }> = {
  Map: { label: 'map', unit: 'splits' },
  Reduce: { label: 'reduce', unit: 'partitions' },
};

/** Adds `stepmr run`. */
export function addRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a job on this machine (the embedded engine executing the job’s state machine)')
    .argument('<job>', 'the job module: a .ts file, or a folder with job.ts')
    .requiredOption('-i, --input <paths...>', 'input files, directories (read recursively) or globs')
    .requiredOption('-o, --output <dir>', 'output directory (refused if it exists and is not empty)')
    .option(
      '-r, --reducers <n>',
      'reduce partitions = output parts (default: the job’s, else 4)',
      positiveInt('--reducers', 10_000),
    )
    .option(
      '-s, --split-size <size>',
      'bytes per input split, e.g. 8MB, 512KiB (default: 32MiB)',
      size('--split-size'),
    )
    .option(
      '--splits-per-task <n>',
      'splits per map task (default: about 16 MiB of input per task)',
      positiveInt('--splits-per-task', 10_000),
    )
    .option(
      '--memory-budget <size>',
      'map-side buffer before spilling to disk (default: 256MiB)',
      size('--memory-budget'),
    )
    .option('--max-record-size <size>', 'longest record accepted (default: 8MiB)', size('--max-record-size'))
    .option(
      '-f, --format <format>',
      'output format: jsonl, csv or text (default: the job’s, else jsonl)',
      oneOf('--format', ['jsonl', 'csv', 'text'] as const),
    )
    .option('-t, --threads <n>', 'worker threads (default: number of cores)', positiveInt('--threads', 256))
    .option(
      '--tolerate <n|n%>',
      'map tasks allowed to fail, as a count or a percentage; the job then succeeds and _SUCCESS lists the failed splits (default: none)',
      tolerance,
    )
    .option(
      '--bad-records <policy>',
      'fail: a malformed record fails the job; skip: it is skipped, counted and sampled in _SUCCESS (default: fail)',
      oneOf('--bad-records', ['fail', 'skip'] as const),
    )
    .option(
      '--max-bad-records <n>',
      'with --bad-records skip, the most records a job may skip before it fails (default: 1000)',
      nonNegativeInt('--max-bad-records'),
    )
    .option('--overwrite', 'replace the output directory if it exists')
    .option('--no-progress', 'do not show progress')
    .option('--json', 'print the _SUCCESS manifest as JSON on stdout when done')
    .action(async (job: string, flags: RunFlags) => {
      const progress = new Progress(process.stderr);
      let bytesTotal = 0;
      let current = '';
      const onEvent = (event: EngineEvent) => {
        if (!flags.progress) return;
        if (event.type === 'ExecutionSucceeded') {
          // A finished map or reduce task reports how many records it read.
          const records = (event.output as { recordsIn?: unknown } | null)?.recordsIn;
          if (typeof records === 'number') progress.addRecords(current, records);
        } else if (event.type === 'MapRunStarted') {
          const stage = STAGES[event.stateName];
          current = stage?.label ?? '';
          if (stage)
            progress.start(stage.label, event.total, stage.unit, event.stateName === 'Map' ? bytesTotal : 0);
        } else if (event.type === 'MapRunProgress') {
          const stage = STAGES[event.stateName];
          if (stage)
            progress.update(
              stage.label,
              event.itemCounts.succeeded,
              event.itemCounts.failed,
              event.itemCounts.total,
            );
        } else if (event.type === 'StateExited') {
          const stage = STAGES[event.name];
          if (stage) progress.finish(stage.label);
        }
      };
      // Ctrl-C stops the execution and its workers; a second Ctrl-C exits at once.
      const cancel = new AbortController();
      const onSigint = () => {
        if (cancel.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping: cancelling the job (Ctrl-C again to quit at once)\n');
        cancel.abort();
      };
      process.on('SIGINT', onSigint);
      const summary = await runEmbedded({
        signal: cancel.signal,
        job,
        inputs: flags.input,
        output: flags.output,
        overwrite: flags.overwrite ?? false,
        ...(flags.reducers ? { reducers: flags.reducers } : {}),
        ...(flags.splitSize ? { splitSize: flags.splitSize } : {}),
        ...(flags.splitsPerTask ? { splitsPerTask: flags.splitsPerTask } : {}),
        ...(flags.memoryBudget ? { memoryBudget: flags.memoryBudget } : {}),
        ...(flags.maxRecordSize ? { maxRecordBytes: flags.maxRecordSize } : {}),
        ...(flags.format ? { format: flags.format } : {}),
        ...(flags.threads ? { threads: flags.threads } : {}),
        ...(flags.tolerate ? { tolerate: flags.tolerate } : {}),
        ...(flags.badRecords ? { badRecords: flags.badRecords } : {}),
        ...(flags.maxBadRecords !== undefined ? { maxBadRecords: flags.maxBadRecords } : {}),
        onPlan: (plan) => {
          bytesTotal = plan.inputBytes;
          if (flags.progress) {
            process.stderr.write(
              `job ${plan.jobId}: ${plan.splits} splits, ${plan.reducers ? `${plan.reducers} reducers` : 'map-only'}\n`,
            );
          }
        },
        onEvent,
      }).finally(() => process.off('SIGINT', onSigint));
      progress.close();
      process.stderr.write(formatSummary(summary));
      if (flags.json) process.stdout.write(`${JSON.stringify(summary.manifest, null, 2)}\n`);
    });
}
