import type { Command } from 'commander';
import type { RunOptions, Tolerance } from '../job/options.js';
import {
  duration,
  maxFailed,
  nonNegativeInt,
  oneOf,
  positiveInt,
  positiveSize,
  rate,
  tolerance,
} from './parse.js';

/** The flags of a job's run that `stepmr run` and `stepmr submit` share. */
export interface JobFlags {
  readonly input: string[];
  readonly output: string;
  readonly reducers?: number;
  readonly splitSize?: number;
  readonly splitsPerTask?: number;
  readonly memoryBudget?: number;
  readonly maxRecordSize?: number;
  readonly format?: NonNullable<RunOptions['format']>;
  readonly tolerate?: Tolerance;
  readonly badRecords?: 'fail' | 'skip';
  readonly maxBadRecords?: number;
  readonly overwrite?: boolean;
  readonly callTimeout?: number;
  readonly callRetries?: number;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly maxFailed?: Tolerance;
  readonly callsPerTask?: number;
}

/**
 * Adds the options of a job's run: how to split, reduce, tolerate failures and write.
 *
 * @example
 * ```ts
 * jobOptions(program.command('run').argument('<job>'), { input: 'input files…', output: 'output directory' });
 * ```
 */
export function jobOptions(command: Command, help: { input: string; output: string }): Command {
  return command
    .requiredOption('-i, --input <paths...>', help.input)
    .requiredOption('-o, --output <dir>', help.output)
    .option(
      '-r, --reducers <n>',
      'reduce partitions = output parts (default: the job’s, else 4)',
      positiveInt('--reducers', 10_000),
    )
    .option(
      '-s, --split-size <size>',
      'bytes per input split, e.g. 8MB, 512KiB (default: 32MiB)',
      positiveSize('--split-size'),
    )
    .option(
      '--splits-per-task <n>',
      'splits per map task (default: about 16 MiB of input per task)',
      positiveInt('--splits-per-task', 10_000),
    )
    .option(
      '--memory-budget <size>',
      'map-side buffer before spilling to disk (default: 256MiB)',
      positiveSize('--memory-budget'),
    )
    .option(
      '--max-record-size <size>',
      'longest record accepted (default: 8MiB)',
      positiveSize('--max-record-size'),
    )
    .option(
      '-f, --format <format>',
      'output format: jsonl, csv or text (default: the job’s, else jsonl)',
      oneOf('--format', ['jsonl', 'csv', 'text'] as const),
    )
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
    .option(
      '--overwrite',
      'replace the stepmr result at the output: only its parts and _SUCCESS, once the new one commits',
    )
    .option(
      '--call-timeout <duration>',
      'delegate jobs: time for one attempt of a call, e.g. 10s, 500ms (default: 30s)',
      duration('--call-timeout'),
    )
    .option(
      '--call-retries <n>',
      'delegate jobs: retries of a call on 429, 5xx, timeouts and resets (default: 3)',
      nonNegativeInt('--call-retries'),
    )
    .option(
      '--concurrency <n>',
      'delegate jobs: calls in flight at once, for the whole job (default: 64)',
      positiveInt('--concurrency', 100_000),
    )
    .option(
      '--rate <r/s>',
      'delegate jobs: calls started per second, for the whole job (default: unlimited)',
      rate,
    )
    .option(
      '--max-failed <n|n%>',
      'delegate jobs: failed calls allowed, as a count or a percentage of calls; past it the job fails and publishes nothing (default: 0)',
      maxFailed,
    )
    .option(
      '--calls-per-task <n>',
      'delegate jobs: calls per delegate task (default: 100)',
      positiveInt('--calls-per-task', 10_000),
    );
}

/**
 * The run options the flags set (flags not given are left out, so the job's own apply).
 *
 * @example
 * ```ts
 * const options = runOptionsOf(flags); // { reducers: 8 } for --reducers 8
 * ```
 */
export function runOptionsOf(flags: JobFlags): RunOptions & { splitsPerTask?: number } {
  return {
    ...(flags.reducers ? { reducers: flags.reducers } : {}),
    ...(flags.splitSize ? { splitSize: flags.splitSize } : {}),
    ...(flags.splitsPerTask ? { splitsPerTask: flags.splitsPerTask } : {}),
    ...(flags.memoryBudget ? { memoryBudget: flags.memoryBudget } : {}),
    ...(flags.maxRecordSize ? { maxRecordBytes: flags.maxRecordSize } : {}),
    ...(flags.format ? { format: flags.format } : {}),
    ...(flags.tolerate ? { tolerate: flags.tolerate } : {}),
    ...(flags.badRecords ? { badRecords: flags.badRecords } : {}),
    ...(flags.maxBadRecords !== undefined ? { maxBadRecords: flags.maxBadRecords } : {}),
    ...(flags.callTimeout ? { callTimeoutMs: flags.callTimeout } : {}),
    ...(flags.callRetries !== undefined ? { callRetries: flags.callRetries } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.rate ? { ratePerSecond: flags.rate } : {}),
    ...(flags.maxFailed ? { maxFailed: flags.maxFailed } : {}),
    ...(flags.callsPerTask ? { callsPerTask: flags.callsPerTask } : {}),
  };
}
