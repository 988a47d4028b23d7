import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  type CloudFormationClient,
  cloudFormationClient,
  type LambdaClient,
  lambdaClient,
  type SFNClient,
  sfnClient,
} from '../runtime/aws/clients.js';
import { ExecutionNotFoundError, StackNotFoundError } from '../runtime/aws/errors.js';
import {
  type ExecutionReport,
  type ExecutionStatus,
  getExecutionStatus,
  listJobExecutions,
  stopJobExecution,
  watchExecution,
} from '../runtime/aws/executions.js';
import { findStack, stackName } from '../runtime/aws/findStack.js';
import { bucketStore, useS3 } from '../runtime/aws/s3.js';
import { JobFailedError } from '../runtime/errors.js';
import { stopJobWork } from '../tasks/collectTask.js';
import type { JobRef } from '../tasks/payloads.js';
import { formatExecutions, formatReport, formatStage } from './cloudFormat.js';
import { oneOf, positiveInt } from './parse.js';

/** What the cloud commands use; tests give their own clients and outputs. */
export interface CloudCommandDeps {
  readonly sfn: () => SFNClient;
  readonly cloudFormation: () => CloudFormationClient;
  readonly lambda: () => LambdaClient;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
  /** Marks a stopped job stopped and removes its working objects; resolves with how many. @default in S3 */
  readonly removeWork: (job: JobRef) => Promise<number>;
  /** Waits between polls of `status --watch`. @default a timer */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface StackFlags {
  readonly stack?: string;
  readonly stateMachine?: string;
}

const EXECUTION_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** Commander parser of an execution ARN, or of an execution name (a job id) on the stack's state machine. */
export function executionRef(value: string): string {
  if (EXECUTION_ARN.test(value) || /^[^\s:/]{1,80}$/.test(value)) return value;
  throw new InvalidArgumentError(
    `expected an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>) or an execution name (the job id), got "${value}"`,
  );
}

/** Commander parser of `--state-machine`. */
function stateMachineArnOption(value: string): string {
  if (/^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:\s]+$/.test(value)) return value;
  throw new InvalidArgumentError(
    `--state-machine must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got "${value}"`,
  );
}

/** Adds `--stack` and `--state-machine`: which deployed stack a command works on. */
export function stackOptions(command: Command): Command {
  return command
    .option('--stack <name>', 'the deployed stack (default: $STEPMR_STACK, else stepmr-dev)')
    .option('--state-machine <arn>', 'the state machine, instead of the stack’s', stateMachineArnOption);
}

/** A command on one execution: `<execution>` (an ARN or a job id) and the stack options. */
function executionCommand(program: Command, name: string, description: string): Command {
  return stackOptions(
    program
      .command(name)
      .description(description)
      .argument(
        '<execution>',
        'the execution ARN, or its name (the job id) on the stack’s state machine',
        executionRef,
      ),
  );
}

/** Runs a command's work; a missing stack or execution is bad input: its message, and exit 2. */
export async function guarded(deps: CloudCommandDeps, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof StackNotFoundError || error instanceof ExecutionNotFoundError) {
      deps.stderr.write(`stepmr: ${error.message}\n`);
      throw new CommanderError(2, 'stepmr.notFound', error.message);
    }
    throw error;
  }
}

/** The ARN of an execution given as an ARN, or by its name (the job id) on `stateMachineArn`. */
export function executionArnOf(ref: string, stateMachineArn: string): string {
  return ref.startsWith('arn:') ? ref : `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${ref}`;
}

function resolvers(deps: CloudCommandDeps) {
  const stateMachineArn = async (flags: StackFlags) =>
    flags.stateMachine ??
    (await findStack(deps.cloudFormation(), stackName(flags.stack, deps.env))).stateMachineArn;
  const executionArn = async (ref: string, flags: StackFlags) =>
    ref.startsWith('arn:') ? ref : executionArnOf(ref, await stateMachineArn(flags));
  return { stateMachineArn, executionArn };
}

function failIfUnsuccessful(report: ExecutionReport): void {
  if (report.status === 'RUNNING' || report.status === 'SUCCEEDED') return;
  throw new JobFailedError(`job ${report.name} ${report.status}${report.error ? `: ${report.error}` : ''}`);
}

/** Prints what changed since the last poll of `status --watch` or `submit --wait`. */
export function progressPrinter(deps: CloudCommandDeps) {
  const shown = new Map<string, string>();
  return (report: ExecutionReport) => {
    for (const stage of report.stages) {
      const line = formatStage(stage);
      if (shown.get(stage.mapRunArn) !== line) deps.stderr.write(`${line}\n`);
      shown.set(stage.mapRunArn, line);
    }
  };
}

function addStatus(program: Command, deps: CloudCommandDeps): void {
  const { executionArn } = resolvers(deps);
  executionCommand(
    program,
    'status',
    'show a job’s execution on AWS: status, items per stage, result or error',
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
        const arn = await executionArn(ref, flags);
        const report = flags.watch
          ? await watchExecution(deps.sfn(), arn, {
              intervalMs: (flags.interval ?? 2) * 1000,
              onProgress: progressPrinter(deps),
              ...(deps.sleep ? { sleep: deps.sleep } : {}),
            })
          : await getExecutionStatus(deps.sfn(), arn);
        deps.stdout.write(
          flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, deps.now()),
        );
        failIfUnsuccessful(report);
      }),
    );
}

function addList(program: Command, deps: CloudCommandDeps): void {
  const { stateMachineArn } = resolvers(deps);
  stackOptions(program.command('list').description('list the recent job executions on AWS, newest first'))
    .option(
      '--status <status>',
      `only executions of this status: ${STATUSES.join(', ')}`,
      oneOf('--status', STATUSES),
    )
    .option('--limit <n>', 'at most this many (default: 20)', positiveInt('--limit', 10_000))
    .option('--json', 'print the executions as JSON')
    .action(async (flags: StackFlags & { status?: ExecutionStatus; limit?: number; json?: boolean }) =>
      guarded(deps, async () => {
        const machine = await stateMachineArn(flags);
        const executions = await listJobExecutions(deps.sfn(), machine, {
          limit: flags.limit ?? 20,
          ...(flags.status ? { status: flags.status } : {}),
        });
        if (flags.json) deps.stdout.write(`${JSON.stringify(executions, null, 2)}\n`);
        else if (executions.length === 0) deps.stdout.write(`no executions of ${machine}\n`);
        else deps.stdout.write(formatExecutions(executions, deps.now()));
      }),
    );
}

function addStop(program: Command, deps: CloudCommandDeps): void {
  const { executionArn } = resolvers(deps);
  executionCommand(
    program,
    'stop',
    'stop a running job execution on AWS (it ends ABORTED; nothing is published)',
  )
    .option('--cause <text>', 'why, recorded as the execution’s cause (default: stopped with stepmr stop)')
    .action(async (ref: string, flags: StackFlags & { cause?: string }) =>
      guarded(deps, async () => {
        const arn = await executionArn(ref, flags);
        const result = await stopJobExecution(deps.sfn(), arn, flags.cause ? { cause: flags.cause } : {});
        deps.stdout.write(
          result.stopped
            ? `stopped ${arn} at ${result.stopDate?.toISOString() ?? 'now'}\n`
            : `${arn} had already ended (${result.status}); nothing to stop\n`,
        );
        // A stopped job's Abort step does not run: remove its working objects here.
        if (result.job && result.status === 'ABORTED') {
          const removed = await deps.removeWork(result.job);
          deps.stderr.write(
            `removed ${removed} working objects under s3://${result.job.bucket}/${result.job.prefix}; a task still running when stopped ends on its own (what it writes there expires with the bucket's lifecycle rule), and a commit still running publishes nothing\n`,
          );
        }
      }),
    );
}

/** The cloud commands' dependencies: the standard AWS clients and this process's streams, unless given. */
export function cloudDeps(deps: Partial<CloudCommandDeps> = {}): CloudCommandDeps {
  return {
    sfn: sfnClient,
    cloudFormation: cloudFormationClient,
    lambda: lambdaClient,
    removeWork: (job) => {
      useS3();
      return stopJobWork(bucketStore(job.bucket), job);
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: Date.now,
    ...deps,
  };
}

/**
 * Adds `stepmr status`, `stepmr list` and `stepmr stop`: the jobs of the deployed stack, through
 * Step Functions. The stack's state machine comes from `--state-machine`, else from the
 * outputs of the stack `--stack` (default `$STEPMR_STACK`, else `stepmr-dev`). Clients follow
 * the standard AWS configuration (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_SFN`,
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`). A failed job's status exits 1; an unknown execution or
 * stack exits 2.
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
