import { type Command, InvalidArgumentError } from 'commander';
import { JobFailedError } from '../runtime/errors.js';
import type { ExecutionReport, ExecutionStatus } from '../runtime/executions.js';
import { formatExecutions, formatReport, formatStage } from './cloudFormat.js';
import {
  backendOptions,
  type CloudCommandDeps,
  cloudDeps,
  guarded,
  jobDriver,
  type StackFlags,
} from './drivers.js';
import { duration } from './format.js';
import { oneOf, positiveInt } from './parse.js';
import { RateMeter } from './progressView.js';

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
 * Prints what changed since the last poll of `status --watch` or `submit --wait`: a stage's
 * counts (from DescribeMapRun), and while it runs the time left at the rate its items have
 * ended at over the last minute of polls.
 */
export function progressPrinter(deps: CloudCommandDeps) {
  const shown = new Map<string, string>();
  const meters = new Map<string, RateMeter>();
  return (report: ExecutionReport) => {
    const now = deps.now();
    for (const stage of report.stages) {
      const meter = meters.get(stage.mapRunArn) ?? new RateMeter(60_000, 1000);
      meters.set(stage.mapRunArn, meter);
      const ended = stage.succeeded + stage.failed;
      meter.add(now, ended);
      const line = formatStage(stage);
      if (shown.get(stage.mapRunArn) === line) continue;
      shown.set(stage.mapRunArn, line);
      const rate = stage.status === 'RUNNING' ? meter.rate() : undefined;
      const eta = rate ? ` | ETA ${duration(((stage.total - ended) / rate) * 1000)}` : '';
      deps.stderr.write(`${line}${eta}\n`);
    }
  };
}

function addStatus(program: Command, deps: CloudCommandDeps): void {
  executionCommand(program, 'status', 'show a job’s execution: status, items per stage, result or error')
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
        deps.stdout.write(
          flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, deps.now()),
        );
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
