import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Tolerance } from '../job/options.js';
import { RedriveError } from '../plan/planRedrive.js';
import { ExecutionNotFoundError } from '../runtime/aws/errors.js';
import { jobOfExecution } from '../runtime/aws/executions.js';
import { findStack, stackName } from '../runtime/aws/findStack.js';
import { bucketStore, useS3 } from '../runtime/aws/s3.js';
import { redriveJob } from '../runtime/aws/startJob.js';
import { redriveEmbedded } from '../runtime/embedded/runEmbedded.js';
import { ObjectNotFoundError } from '../store/errors.js';
import { readPlan } from '../tasks/plan.js';
import {
  type CloudCommandDeps,
  cloudDeps,
  executionArnOf,
  executionRef,
  guarded,
  type StackFlags,
  stackOptions,
} from './cloudCommands.js';
import { tolerance } from './parse.js';
import { runHere, type WorkerFlags, workerOptions, workerSettings } from './runCommand.js';
import { followStarted, waitOptions } from './submitCommand.js';

interface RedriveFlags extends StackFlags, WorkerFlags {
  readonly tolerate?: Tolerance;
  readonly progress: boolean;
  readonly wait?: boolean;
  readonly interval?: number;
  readonly json?: boolean;
}

/**
 * Adds `stepmr redrive`: completes a job that succeeded with tolerated map failures. It runs
 * the failed splits again, then the shuffle, reduce and commit over them and the map results
 * the job kept, and replaces the job's result with the one a clean run publishes. A job run
 * here is named by its output directory, and redriven here (as `stepmr run` runs); a job on the
 * deployed stack by its `s3://` output, its job id or its execution ARN, and redriven there
 * (as `stepmr submit` runs).
 *
 * @example
 * ```ts
 * addRedriveCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'redrive', 'out/wc']);
 * ```
 */
export function addRedriveCommand(program: Command, partial: Partial<CloudCommandDeps> = {}): void {
  const deps = cloudDeps(partial);
  waitOptions(
    stackOptions(
      workerOptions(
        program
          .command('redrive')
          .description(
            'run again only the failed splits of a job that succeeded with --tolerate, then the stages after them, and publish the whole result',
          )
          .argument(
            '<job>',
            'a job run here: its output directory; a job on the deployed stack: its s3:// output, job id or execution ARN',
          )
          .option(
            '--tolerate <n|n%>',
            'map tasks of the redrive allowed to fail in turn; the job can then be redriven again (default: none)',
            tolerance,
          )
          .option('--no-progress', 'do not show progress, for a job run here'),
        ', for a job run here',
      ),
    ),
  ).action(async (job: string, flags: RedriveFlags) => {
    const tolerate = flags.tolerate ? { tolerate: flags.tolerate } : {};
    if (await runsHere(job)) {
      await runHere(flags, (hooks) =>
        redriveEmbedded({
          output: job,
          ...tolerate,
          ...workerSettings(flags),
          ...hooks,
        }),
      );
      return;
    }
    await guarded(deps, async () => {
      const stack = await findStack(deps.cloudFormation(), stackName(flags.stack, deps.env));
      useS3();
      const stateMachineArn = flags.stateMachine ?? stack.stateMachineArn;
      const output = job.startsWith('s3://')
        ? job
        : await outputOfJob(deps, executionArnOf(executionRef(job), stateMachineArn));
      const started = await redriveJob(
        { output, ...tolerate, bucket: stack.bucket, stateMachineArn },
        deps.sfn(),
      );
      await followStarted(deps, started, 'redrive', 'failed splits', flags);
    });
  });
}

/** A job id, as stepmr names jobs and their executions: `wordcount-20261123T190212-3fa9c1`. */
const JOB_ID = /^[^\s:/]+-\d{8}T\d{6}(-[0-9a-f]{6})?$/;

/**
 * Whether `job` names a job run here, by its output directory: anything but an `s3://` URI,
 * an execution ARN, or a job id that is not also a directory here.
 */
async function runsHere(job: string): Promise<boolean> {
  if (job.startsWith('s3://') || job.startsWith('arn:')) return false;
  return !JOB_ID.test(job) || (await stat(job).catch(() => undefined))?.isDirectory() === true;
}

/** The output of a job on the deployed stack, named by its execution's ARN. */
async function outputOfJob(deps: CloudCommandDeps, arn: string): Promise<string> {
  const ref = await jobOfExecution(deps.sfn(), arn).catch((error: Error) => {
    if (!(error instanceof ExecutionNotFoundError)) throw error;
    throw new ExecutionNotFoundError(
      `${error.message}; to redrive a job run here, name its output directory`,
      { cause: error },
    );
  });
  if (!ref) throw new RedriveError(`execution ${arn} is not a stepmr job's: there is nothing to redrive`);
  const plan = await readPlan(bucketStore(ref.bucket), ref).catch((error: Error) => {
    if (!(error.cause instanceof ObjectNotFoundError)) throw error;
    throw new RedriveError(
      `the plan of job ${ref.jobId} is gone from s3://${ref.bucket}/${ref.prefix} (a redrive that completed its result removes it, and work/ expires): name the job's s3:// output instead`,
      { cause: error },
    );
  });
  return plan.output;
}
