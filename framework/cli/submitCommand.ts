import { type Command, InvalidArgumentError } from 'commander';
import { REGISTRY_REF } from '../contract/names.js';
import { registeredName, type StepmrConfig } from '../deploy/config.js';
import type { Job } from '../job/defineJob.js';
import { stackName } from '../runtime/aws/findStack.js';
import { triggerSchedule } from '../runtime/aws/triggerSchedule.js';
import type { Driver, StartedJob } from '../runtime/Driver.js';
import { JobModuleError } from '../runtime/errors.js';
import { loadConfig } from '../runtime/loadConfig.js';
import { loadJobModule, resolveJobModule } from '../runtime/loadJob.js';
import { progressPrinter } from './cloudCommands.js';
import {
  type CloudCommandDeps,
  cloudDeps,
  cloudDriver,
  guarded,
  type StackFlags,
  stackOptions,
} from './drivers.js';
import { type JobFlags, jobOptions, runOptionsOf } from './jobOptions.js';
import { positiveInt } from './parse.js';
import { plural } from './progressView.js';
import { formatSummary } from './summary.js';

interface SubmitFlags extends JobFlags, StackFlags {
  readonly config?: string;
  readonly wait?: boolean;
  readonly interval?: number;
  readonly json?: boolean;
}

/** The job to submit: a name in the registry, or a job module that the registry holds. */
async function registeredJob(config: StepmrConfig, spec: string): Promise<{ name: string; job: Job }> {
  const names = Object.keys(config.jobs);
  const registered = Object.hasOwn(config.jobs, spec) ? config.jobs[spec] : undefined;
  if (registered) return { name: spec, job: registered };
  const job = await resolveJobModule(spec)
    .then(loadJobModule)
    .catch((error: Error) => {
      throw new JobModuleError(
        `${spec} is neither a job registered in stepmr.config.ts (${names.join(', ') || 'none'}) nor a job module: ${error.message}`,
        { cause: error },
      );
    });
  const name = registeredName(config, job);
  if (!name) {
    throw new JobModuleError(
      `job module ${spec} is not registered in stepmr.config.ts (it registers ${names.join(', ') || 'no jobs'}): the deployed functions run only registered jobs; add it to jobs and deploy again (npx serverless deploy)`,
    );
  }
  return { name, job };
}

/**
 * Reports a started job on stderr (its splits, reducers and execution); then, with `--wait`,
 * follows it to its summary (Ctrl-C stops watching, not the job), and otherwise prints the
 * execution ARN alone on stdout.
 */
export async function followStarted(
  deps: CloudCommandDeps,
  driver: Driver,
  started: StartedJob,
  label: string,
  /** What the splits are, singular: `split`, `failed split`. */
  splits: string,
  flags: { readonly wait?: boolean; readonly interval?: number; readonly json?: boolean },
): Promise<void> {
  deps.stderr.write(
    `job ${started.jobId} (${label}): ${plural(started.splits, splits)}, ${started.reducers ? plural(started.reducers, 'reducer') : 'map-only'}\n  execution ${started.executionArn}\n`,
  );
  if (!flags.wait) {
    deps.stdout.write(`${started.executionArn}\n`);
    return;
  }
  const stopWatching = new AbortController();
  const onSigint = () => stopWatching.abort();
  process.once('SIGINT', onSigint);
  const report = await driver
    .follow(started, {
      intervalMs: (flags.interval ?? 2) * 1000,
      onProgress: progressPrinter(deps),
      signal: stopWatching.signal,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    })
    .catch((error: unknown) => {
      if (!stopWatching.signal.aborted) throw error;
      deps.stderr.write(
        `\nstopped watching; job ${started.jobId} goes on. Follow it with: stepmr status ${started.jobId} --watch; stop it with: stepmr stop ${started.jobId}\n`,
      );
      return undefined;
    })
    .finally(() => process.off('SIGINT', onSigint));
  if (!report) return;
  const summary = await driver.summarise(started, report, report.startDate.getTime());
  deps.stderr.write(formatSummary(summary));
  if (flags.json) deps.stdout.write(`${JSON.stringify(summary.manifest, null, 2)}\n`);
}

/** Adds `--wait`, `--interval` and `--json`: following a started job to its summary. */
export function waitOptions(command: Command): Command {
  return command
    .option('--wait', 'follow the job until it ends, then print its summary')
    .option(
      '--interval <seconds>',
      'seconds between polls with --wait (default: 2)',
      positiveInt('--interval', 3600),
    )
    .option('--json', 'with --wait, print the _SUCCESS manifest as JSON on stdout');
}

/**
 * Adds `stepmr submit`: runs a job registered in `stepmr.config.ts` on the deployed stack.
 * It plans the job here (lists the input in S3, writes `job.json` and `splits.jsonl` under the
 * data bucket's `work/`) and starts an execution of the stack's state machine; `--wait` follows
 * it stage by stage and ends with the summary of its `_SUCCESS`. Without `--wait`, stdout has
 * the execution ARN only. The stack is found by its CloudFormation outputs (`--stack`,
 * `$STEPMR_STACK`, else `stepmr-dev`); clients follow the standard AWS configuration.
 *
 * @example
 * ```ts
 * addSubmitCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'submit', 'wordcount', '-i', 's3://b/in/', '-o', 's3://b/out/wc', '--wait']);
 * ```
 */
export function addSubmitCommand(program: Command, partial: Partial<CloudCommandDeps> = {}): void {
  const deps = cloudDeps(partial);
  waitOptions(
    stackOptions(
      jobOptions(
        program
          .command('submit')
          .description('run a job on the deployed stack (S3, Lambda and Step Functions)')
          .argument(
            '<job>',
            'a job registered in stepmr.config.ts: its name, or its module (a .ts file or a folder with job.ts)',
          ),
        {
          input: 's3:// URIs of input objects, prefixes or globs',
          output:
            'the output prefix, an s3:// URI under the data bucket’s out/ (refused if it holds objects)',
        },
      ),
    ),
  )
    .option('--config <file>', 'the project’s registry of jobs (default: stepmr.config.ts)')
    .action(async (spec: string, flags: SubmitFlags) =>
      guarded(deps, async () => {
        const config = await loadConfig(flags.config ?? 'stepmr.config.ts');
        const { name, job } = await registeredJob(config, spec);
        const driver = await cloudDriver(deps, flags, { start: true });
        const started = await driver.start({
          ...runOptionsOf(flags),
          job,
          name,
          module: `${REGISTRY_REF}${name}`,
          inputs: flags.input,
          output: flags.output,
          overwrite: flags.overwrite ?? false,
        });
        await followStarted(deps, driver, started, name, 'split', flags);
      }),
    );
}

interface TriggerFlags extends StackFlags {
  readonly time?: string;
  readonly wait?: boolean;
  readonly interval?: number;
  readonly json?: boolean;
}

/** Commander parser of `--time`: an ISO date-time, as EventBridge sends it. */
function isoTime(value: string): string {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError(
      `--time must be an ISO date-time such as 2026-12-01T03:00:00Z, got "${value}"`,
    );
  }
  return at.toISOString();
}

/**
 * Adds `stepmr trigger`: runs a schedule of `stepmr.config.ts` now, as its EventBridge rule
 * would: it invokes the stack's scheduler function with `{ schedule, time }`, which plans the job in
 * the cloud and starts it. A second trigger for the same schedule and time starts nothing. For a
 * stream of the project's `stepmr.config.ts` (or with `--stream`), it invokes the stack's trigger
 * function instead, which starts the stream's next batch now through the same claim as its rules.
 *
 * @example
 * ```ts
 * addTriggerCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'trigger', 'wordcount-nightly', '--wait']);
 * ```
 */
export function addTriggerCommand(program: Command, partial: Partial<CloudCommandDeps> = {}): void {
  const deps = cloudDeps(partial);
  waitOptions(
    program
      .command('trigger')
      .description(
        'run a schedule of stepmr.config.ts now through the deployed scheduler function, or a stream’s next batch through its trigger function',
      )
      .argument('<name>', 'the schedule’s or the stream’s name in stepmr.config.ts')
      .option('--stack <name>', 'the deployed stack (default: $STEPMR_STACK, else stepmr-dev)')
      .option(
        '--stream',
        'the name is a stream’s (default: when ./stepmr.config.ts has a stream of that name)',
      )
      .option(
        '--time <iso>',
        'the scheduled time of the run: fills its output’s {date} and {time} (default: now)',
        isoTime,
      ),
  ).action(async (schedule: string, flags: TriggerFlags & { stream?: boolean }) =>
    guarded(deps, async () => {
      const stack = stackName(flags.stack, deps.env);
      const time = flags.time ?? new Date(deps.now()).toISOString();
      const streams = await import('./streamCloudCommands.js');
      if (flags.stream || (await streams.isProjectStream(schedule))) {
        const { triggerStream } = await import('../runtime/aws/triggerStream.js');
        const outcome = await triggerStream(deps.lambda(), stack, schedule, time);
        deps.stdout.write(`${streams.triggerLine(schedule, outcome)}\n`);
        return;
      }
      const result = await triggerSchedule(deps.lambda(), stack, { schedule, time });
      if (!result.started) {
        deps.stderr.write(`schedule ${schedule} already ran for ${time}; nothing started\n`);
        return;
      }
      const driver = await cloudDriver(deps, flags, { ref: result.executionArn });
      await followStarted(deps, driver, result, `schedule ${schedule}`, 'split', flags);
    }),
  );
}
