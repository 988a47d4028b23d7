import { type Command, InvalidArgumentError } from 'commander';
import { JobFailedError } from '../runtime/errors.js';
import type { ExecutionReport, ExecutionStatus } from '../runtime/executions.js';
import { formatExecutions, formatReport, stageSnapshot } from './cloudFormat.js';
import {
  backendOptions,
  type CloudCommandDeps,
  cloudDeps,
  guarded,
  jobDriver,
  type StackFlags,
} from './drivers.js';
import { oneOf, positiveInt } from './parse.js';
import { etaMs, RateMeter, renderStage } from './progressView.js';

const EXECUTION_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** Commander parser of an execution ARN, or of an execution name (a job id). */
export function executionRef(value: string): string {
  if (EXECUTION_ARN.test(value) || /^[^\s:/]{1,80}$/.test(value)) return value;
  throw new InvalidArgumentError(
    `expected an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>) or an execution name (the job id), got "${value}"`,
  );
}

/** A command on one job: `<execution>` (an ARN or a job id) and the backend options. */
function executionCommand(program: Command, name: string, description: string): Command {
  return backendOptions(
    program
      .command(name)
      .description(description)
      .argument(
        '<execution>',
        'the execution ARN, or its name (the job id): of a job run here, or on the stack’s state machine',
        executionRef,
      ),
  );
}

function failIfUnsuccessful(report: ExecutionReport): void {
  if (report.status === 'RUNNING' || report.status === 'SUCCEEDED') return;
  throw new JobFailedError(`job ${report.name} ${report.status}${report.error ? `: ${report.error}` : ''}`);
}

/**
 * Prints what changed since the last poll of `status --watch` or `submit --wait`: each stage's
 * line of the progress view, with items and tasks (from DescribeMapRun), the Map stage's bytes
 * (from the job's working objects), and while it runs the time left at the rate its bytes (or,
 * without bytes, its items) have been done at over the last minute of polls. A stage's line is
 * printed when its figures change, not at every poll.
 *
 * @example
 * ```ts
 * await driver.status(arn, { onProgress: progressPrinter(deps) });
 * // map     3/12 splits | 12.0 MiB of 40.0 MiB | 4.0 MiB/s | ETA 7.0s | tasks: 2 running, 1 done
 * ```
 */
export function progressPrinter(deps: CloudCommandDeps) {
  const shown = new Map<string, string>();
  const meters = new Map<string, RateMeter>();
  let notes = '';
  return (report: ExecutionReport) => {
    const now = deps.now();
    for (const stage of report.stages) {
      const meter = meters.get(stage.mapRunArn) ?? new RateMeter(60_000, 1000);
      meters.set(stage.mapRunArn, meter);
      const first = stageSnapshot(stage, now);
      meter.add(now, first.bytesTotal > 0 ? first.bytesRead : first.itemsDone);
      const s = stageSnapshot(stage, now, meter.rate());
      const figures = [s.items, s.itemsDone, s.running, s.succeeded, s.failed, s.bytesRead, s.done].join();
      if (shown.get(stage.mapRunArn) === figures) continue;
      shown.set(stage.mapRunArn, figures);
      deps.stderr.write(`${renderStage(s)}\n`);
    }
    const said = (report.notes ?? []).join('\n');
    if (said && said !== notes) deps.stderr.write(`${said}\n`);
    notes = said;
  };
}

/** The report as `--json` prints it: each stage with its time left, ms, while it runs. */
function reportJson(report: ExecutionReport, now: number): string {
  const stages = report.stages.map((stage) => ({ ...stage, etaMs: etaMs(stageSnapshot(stage, now)) }));
  return `${JSON.stringify({ ...report, stages }, null, 2)}\n`;
}

function addStatus(program: Command, deps: CloudCommandDeps): void {
  executionCommand(
    program,
    'status',
    'show a job’s execution: status, each stage’s items, tasks and bytes read, result or error',
  )
    .option('--watch', 'poll until the execution ends, showing each stage’s progress')
    .option(
      '--interval <seconds>',
      'seconds between polls with --watch (default: 2)',
      positiveInt('--interval', 3600),
    )
    .option('--json', 'print the status as JSON')
    .action(async (ref: string, flags: StackFlags & { watch?: boolean; interval?: number; json?: boolean }) =>
      guarded(deps, async () => {
        const driver = await jobDriver(deps, flags, ref);
        const watch = {
          intervalMs: (flags.interval ?? 2) * 1000,
          onProgress: progressPrinter(deps),
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
        };
        const report = await driver.status(driver.executionArn(ref), flags.watch ? watch : undefined);
        deps.stdout.write(flags.json ? reportJson(report, deps.now()) : formatReport(report, deps.now()));
        failIfUnsuccessful(report);
      }),
    );
}

function addList(program: Command, deps: CloudCommandDeps): void {
  backendOptions(
    program
      .command('list')
      .description(
        'list the recent jobs, newest first: the deployed stack’s, or with --local this machine’s',
      ),
  )
    .option(
      '--status <status>',
      `only executions of this status: ${STATUSES.join(', ')}`,
      oneOf('--status', STATUSES),
    )
    .option('--limit <n>', 'at most this many (default: 20)', positiveInt('--limit', 10_000))
    .option('--json', 'print the executions as JSON')
    .action(async (flags: StackFlags & { status?: ExecutionStatus; limit?: number; json?: boolean }) =>
      guarded(deps, async () => {
        const driver = await jobDriver(deps, flags);
        const executions = await driver.list({
          limit: flags.limit ?? 20,
          ...(flags.status ? { status: flags.status } : {}),
        });
        if (flags.json) deps.stdout.write(`${JSON.stringify(executions, null, 2)}\n`);
        else if (executions.length === 0)
          deps.stdout.write(`no executions of ${driver.backend.stateMachineArn}\n`);
        else deps.stdout.write(formatExecutions(executions, deps.now()));
      }),
    );
}

function addStop(program: Command, deps: CloudCommandDeps): void {
  executionCommand(program, 'stop', 'stop a running job (it ends ABORTED; nothing is published)')
    .option('--cause <text>', 'why, recorded as the execution’s cause (default: stopped with stepmr stop)')
    .action(async (ref: string, flags: StackFlags & { cause?: string }) =>
      guarded(deps, async () => {
        const driver = await jobDriver(deps, flags, ref);
        const arn = driver.executionArn(ref);
        const result = await driver.stop(arn, flags.cause);
        deps.stdout.write(
          result.stopped
            ? `stopped ${arn} at ${result.stopDate?.toISOString() ?? 'now'}\n`
            : `${arn} had already ended (${result.status}); nothing to stop\n`,
        );
        if (result.cleared) deps.stderr.write(`${result.cleared}\n`);
      }),
    );
}

/**
 * Adds `stepmr status`, `stepmr list` and `stepmr stop`, on the jobs of the deployed stack
 * (through Step Functions) and on those run on this machine (through their records in
 * `$STEPMR_HOME/jobs`, else `~/.stepmr/jobs`), with the same output. A job id with a record
 * here, an ARN of the embedded runtime's state machine, or `--local`, names a job run here;
 * `--stack` or `--state-machine` the stack's. Clients follow the standard AWS configuration
 * (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_CLOUDFORMATION`). A
 * failed job's status exits 1; an unknown execution or stack exits 2.
 *
 * @example
 * ```ts
 * const program = new Command('stepmr');
 * addStatusCommands(program);
 * await program.parseAsync(['node', 'stepmr', 'list', '--status', 'FAILED']);
 * ```
 */
export function addStatusCommands(program: Command, deps: Partial<CloudCommandDeps> = {}): void {
  const all = cloudDeps(deps);
  addStatus(program, all);
  addList(program, all);
  addStop(program, all);
}
