import type { Command } from 'commander';
import type { Tolerance } from '../job/options.js';
import { findStack, stackName } from '../runtime/aws/findStack.js';
import { useS3 } from '../runtime/aws/s3.js';
import { redriveJob } from '../runtime/aws/startJob.js';
import { redriveEmbedded } from '../runtime/embedded/runEmbedded.js';
import { type CloudCommandDeps, cloudDeps, guarded, type StackFlags, stackOptions } from './cloudCommands.js';
import { positiveInt, tolerance } from './parse.js';
import { runHere } from './runCommand.js';
import { waitAndSummarise, waitOptions } from './submitCommand.js';

interface RedriveFlags extends StackFlags {
  readonly tolerate?: Tolerance;
  readonly threads?: number;
  readonly progress: boolean;
  readonly wait?: boolean;
  readonly interval?: number;
  readonly json?: boolean;
}

/**
 * Adds `stepmr redrive`: completes a job that succeeded with tolerated map failures. It runs
 * the failed splits again, then the shuffle, reduce and commit over them and the map results
 * the job kept, and replaces the job's result with the one a clean run publishes. The job is
 * named by its output: a directory runs the redrive here (as `stepmr run` does), an `s3://` URI
 * on the deployed stack (as `stepmr submit` does).
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
      program
        .command('redrive')
        .description(
          'run again only the failed splits of a job that succeeded with --tolerate, then the stages after them, and publish the whole result',
        )
        .argument(
          '<output>',
          'the job’s output: a directory (a job run with stepmr run) or an s3:// URI (a job on the deployed stack)',
        )
        .option(
          '--tolerate <n|n%>',
          'map tasks of the redrive allowed to fail in turn; the job can then be redriven again (default: none)',
          tolerance,
        )
        .option(
          '-t, --threads <n>',
          'worker threads, for a job run here (default: number of cores)',
          positiveInt('--threads', 256),
        )
        .option('--no-progress', 'do not show progress, for a job run here'),
    ),
  ).action(async (output: string, flags: RedriveFlags) => {
    const tolerate = flags.tolerate ? { tolerate: flags.tolerate } : {};
    if (!output.startsWith('s3://')) {
      await runHere(flags, (hooks) =>
        redriveEmbedded({
          output,
          ...tolerate,
          ...(flags.threads ? { threads: flags.threads } : {}),
          ...hooks,
        }),
      );
      return;
    }
    await guarded(deps, async () => {
      const stack = await findStack(deps.cloudFormation(), stackName(flags.stack, deps.env));
      useS3();
      const started = await redriveJob(
        {
          output,
          ...tolerate,
          bucket: stack.bucket,
          stateMachineArn: flags.stateMachine ?? stack.stateMachineArn,
        },
        deps.sfn(),
      );
      deps.stderr.write(
        `job ${started.jobId} (redrive): ${started.splits} failed splits, ${started.reducers ? `${started.reducers} reducers` : 'map-only'}\n  execution ${started.executionArn}\n`,
      );
      if (flags.wait) await waitAndSummarise(deps, started, flags);
      else deps.stdout.write(`${started.executionArn}\n`);
    });
  });
}
