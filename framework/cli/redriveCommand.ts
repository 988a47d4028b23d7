import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Tolerance } from '../job/options.js';
import { outputOfExecution } from '../runtime/aws/cloudBackend.js';
import { JobRegistry } from '../runtime/embedded/jobRegistry.js';
import { redriveEmbedded } from '../runtime/embedded/runEmbedded.js';
import { executionRef } from './cloudCommands.js';
import {
  type CloudCommandDeps,
  cloudDeps,
  cloudDriver,
  guarded,
  type StackFlags,
  stackOptions,
} from './drivers.js';
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
 * here is named by its output directory or its job id, and redriven here (as `stepmr run` runs); a job on the
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
    const here = await outputHere(job, JobRegistry.ofHome(deps.env));
    if (here) {
      await runHere(flags, (hooks) =>
        redriveEmbedded({
          output: here,
          ...tolerate,
          ...workerSettings(flags),
          ...hooks,
        }),
      );
      return;
    }
    await guarded(deps, async () => {
      const driver = await cloudDriver(deps, flags, { start: true });
      const output = job.startsWith('s3://')
        ? job
        : await outputOfExecution(driver.backend, driver.executionArn(executionRef(job)));
      const started = await driver.start({ redrive: output, ...tolerate });
      await followStarted(deps, driver, started, 'redrive', 'failed split', flags);
    });
  });
}

/** A job id, as stepmr names jobs and their executions: `wordcount-20261123T190212-3fa9c1`. */
const JOB_ID = /^[^\s:/]+-\d{8}T\d{6}(-[0-9a-f]{6})?$/;

/**
 * The output directory of `job` if it names a job run here: by its job id in the registry of
 * this machine, or by its output directory (anything but an `s3://` URI, an execution ARN, or
 * a job id that is not also a directory here).
 */
async function outputHere(job: string, registry: JobRegistry): Promise<string | undefined> {
  if (job.startsWith('s3://') || job.startsWith('arn:')) return undefined;
  const recorded = await registry.read(job);
  if (recorded) return recorded.output;
  const directory = (await stat(job).catch(() => undefined))?.isDirectory() === true;
  return !JOB_ID.test(job) || directory ? job : undefined;
}
