import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  type CloudFormationClient,
  cloudFormationClient,
  type LambdaClient,
  lambdaClient,
  type SFNClient,
  sfnClient,
} from '../runtime/aws/clients.js';
import { cloudBackend } from '../runtime/aws/cloudBackend.js';
import { ExecutionNotFoundError, StackNotFoundError } from '../runtime/aws/errors.js';
import { findStack, stackName } from '../runtime/aws/findStack.js';
import { Driver } from '../runtime/Driver.js';
import { JobRegistry } from '../runtime/embedded/jobRegistry.js';
import { isLocalJob, localBackend } from '../runtime/embedded/localBackend.js';
import type { Store } from '../store/Store.js';
import type { JobRef } from '../tasks/payloads.js';

/** What the commands on jobs use; tests give their own clients, outputs and registry. */
export interface CloudCommandDeps {
  readonly sfn: () => SFNClient;
  readonly cloudFormation: () => CloudFormationClient;
  readonly lambda: () => LambdaClient;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** The environment: `STEPMR_STACK`, and `STEPMR_HOME` for the registry of jobs run here. */
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
  /** Marks a stopped job on AWS stopped and removes its working objects. @default in S3 */
  readonly removeWork?: (job: JobRef) => Promise<number>;
  /** The Store of a bucket, for the bytes a job's map stage has read. @default in S3 */
  readonly bucketStore?: (bucket: string) => Store;
  /** Waits between polls of `status --watch` and `--wait`. @default the orchestrator's pause */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Which jobs a command works on: the deployed stack's, or this machine's. */
export interface StackFlags {
  readonly stack?: string;
  readonly stateMachine?: string;
  readonly local?: boolean;
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

/** Adds `--local` besides the stack options: the jobs run on this machine. */
export function backendOptions(command: Command): Command {
  return stackOptions(command).addOption(
    new Option('--local', 'the jobs run on this machine (stepmr run), not the deployed stack’s').conflicts([
      'stack',
      'stateMachine',
    ]),
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

/** The state machine of an execution ARN. */
const machineOf = (executionArn: string) =>
  executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');

/**
 * The driver over the deployed stack: its state machine (`--state-machine`, else the one of an
 * execution ARN `ref`, else the stack's output) and, to start jobs, its data bucket, found by
 * the stack's CloudFormation outputs (`--stack`, else `$STEPMR_STACK`, else `stepmr-dev`).
 *
 * @example
 * ```ts
 * const started = await (await cloudDriver(deps, flags, { start: true })).start(request);
 * ```
 */
export async function cloudDriver(
  deps: CloudCommandDeps,
  flags: StackFlags,
  to: { readonly ref?: string; readonly start?: boolean } = {},
): Promise<Driver> {
  const removeWork = {
    ...(deps.removeWork ? { removeWork: deps.removeWork } : {}),
    ...(deps.bucketStore ? { bucketStore: deps.bucketStore } : {}),
  };
  const known = flags.stateMachine ?? (to.ref?.startsWith('arn:') ? machineOf(to.ref) : undefined);
  if (known && !to.start) return new Driver(cloudBackend({ stateMachineArn: known }, deps.sfn(), removeWork));
  const stack = await findStack(deps.cloudFormation(), stackName(flags.stack, deps.env));
  const stateMachineArn = flags.stateMachine ?? stack.stateMachineArn;
  return new Driver(cloudBackend({ ...stack, stateMachineArn }, deps.sfn(), removeWork));
}

/**
 * The driver a command on one job (`ref`: an execution ARN or a job id) or on a list of jobs
 * works with. A job run here is in the registry of this machine (`$STEPMR_HOME/jobs`, else
 * `~/.stepmr/jobs`): `--local`, an ARN of the embedded runtime's state machine, or a job id
 * with a record there, picks it; `--stack` or `--state-machine` picks the deployed stack, and
 * so does anything else.
 *
 * @example
 * ```ts
 * const driver = await jobDriver(deps, flags, 'wordcount-20261201T030000-3fa9c1');
 * const report = await driver.status(driver.executionArn(ref));
 * ```
 */
export async function jobDriver(deps: CloudCommandDeps, flags: StackFlags, ref?: string): Promise<Driver> {
  const registry = JobRegistry.ofHome(deps.env);
  const pinned = flags.stack !== undefined || flags.stateMachine !== undefined;
  const local = flags.local || (!pinned && ref !== undefined && (await isLocalJob(ref, registry)));
  return local
    ? new Driver(localBackend(registry))
    : cloudDriver(deps, flags, ref === undefined ? {} : { ref });
}

/** The commands' dependencies: the standard AWS clients and this process's streams, unless given. */
export function cloudDeps(deps: Partial<CloudCommandDeps> = {}): CloudCommandDeps {
  return {
    sfn: sfnClient,
    cloudFormation: cloudFormationClient,
    lambda: lambdaClient,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: Date.now,
    ...deps,
  };
}
