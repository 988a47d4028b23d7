import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { type Command, InvalidArgumentError } from 'commander';
import { registeredName, type StepmrConfig } from '../deploy/config.js';
import type { Job } from '../job/defineJob.js';
import { StackNotFoundError } from '../runtime/aws/errors.js';
import { type ExecutionReport, watchExecution } from '../runtime/aws/executions.js';
import { findStack, stackName } from '../runtime/aws/findStack.js';
import { useS3 } from '../runtime/aws/s3.js';
import { type StartedJob, startJob } from '../runtime/aws/startJob.js';
import { JobFailedError, JobModuleError } from '../runtime/errors.js';
import { describeFailure } from '../runtime/JobObserver.js';
import { loadConfig } from '../runtime/loadConfig.js';
import { loadJobModule, resolveJobModule } from '../runtime/loadJob.js';
import { readSuccess } from '../tasks/manifest.js';
import {
  type CloudCommandDeps,
  cloudDeps,
  guarded,
  progressPrinter,
  type StackFlags,
  stackOptions,
} from './cloudCommands.js';
import { type JobFlags, jobOptions, runOptionsOf } from './jobOptions.js';
import { positiveInt } from './parse.js';
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

/** Waits for the job; Ctrl-C stops watching only. Undefined when the user stopped watching. */
async function waitFor(
  deps: CloudCommandDeps,
  started: StartedJob,
  interval: number,
): Promise<ExecutionReport | undefined> {
  const stopWatching = new AbortController();
  const onSigint = () => stopWatching.abort();
  process.once('SIGINT', onSigint);
  try {
    return await watchExecution(deps.sfn(), started.executionArn, {
      intervalMs: interval * 1000,
      onProgress: progressPrinter(deps),
      signal: stopWatching.signal,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    });
  } catch (error) {
    if (!stopWatching.signal.aborted) throw error;
    deps.stderr.write(
      `\nstopped watching; job ${started.jobId} goes on. Follow it with: stepmr status ${started.jobId} --watch; stop it with: stepmr stop ${started.jobId}\n`,
    );
    return undefined;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Follows a started job to its end: the summary of its `_SUCCESS`, or a JobFailedError. */
async function waitAndSummarise(
  deps: CloudCommandDeps,
  started: StartedJob,
  flags: { readonly interval?: number; readonly json?: boolean },
): Promise<void> {
  const report = await waitFor(deps, started, flags.interval ?? 2);
  if (!report) return;
  if (report.status !== 'SUCCEEDED') {
    const task = report.taskFailure
      ? `; first failed task: ${describeFailure({ status: 'FAILED', ...report.taskFailure })}`
      : '';
    throw new JobFailedError(
      `job ${report.name} ${report.status}: ${describeFailure(report)}${task}. Nothing was published at ${started.output}`,
    );
  }
  const manifest = await readSuccess(started.output);
  if (!manifest) {
    throw new JobFailedError(`job ${report.name} succeeded, but ${started.output} holds no _SUCCESS`);
  }
  const end = report.stopDate?.getTime() ?? deps.now();
  deps.stderr.write(
    formatSummary({
      jobId: started.jobId,
      output: started.output.replace(/\/$/, ''),
      manifest,
      wallMs: end - report.startDate.getTime(),
      stageMs: {},
    }),
  );
  if (flags.json) deps.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Reports a started job on stderr (its splits, reducers and execution); then, with `--wait`,
 * follows it to its summary, and otherwise prints the execution ARN alone on stdout.
 */
export async function followStarted(
  deps: CloudCommandDeps,
  started: StartedJob,
  label: string,
  splits: string,
  flags: { readonly wait?: boolean; readonly interval?: number; readonly json?: boolean },
): Promise<void> {
  deps.stderr.write(
    `job ${started.jobId} (${label}): ${started.splits} ${splits}, ${started.reducers ? `${started.reducers} reducers` : 'map-only'}\n  execution ${started.executionArn}\n`,
  );
  if (flags.wait) await waitAndSummarise(deps, started, flags);
  else deps.stdout.write(`${started.executionArn}\n`);
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
        const stack = await findStack(deps.cloudFormation(), stackName(flags.stack, deps.env));
        useS3();
        const started = await startJob(
          {
            ...runOptionsOf(flags),
            job,
            name,
            inputs: flags.input,
            output: flags.output,
            overwrite: flags.overwrite ?? false,
            bucket: stack.bucket,
            stateMachineArn: flags.stateMachine ?? stack.stateMachineArn,
          },
          deps.sfn(),
        );
        await followStarted(deps, started, name, 'splits', flags);
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
 * would: it invokes the stack's plan function with `{ schedule, time }`, which plans the job in
 * the cloud and starts it. A second trigger for the same schedule and time starts nothing.
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
      .description('run a schedule of stepmr.config.ts now, through the deployed plan function')
      .argument('<schedule>', 'the schedule’s name in stepmr.config.ts')
      .option('--stack <name>', 'the deployed stack (default: $STEPMR_STACK, else stepmr-dev)')
      .option(
        '--time <iso>',
        'the scheduled time of the run: fills its output’s {date} and {time} (default: now)',
        isoTime,
      ),
  ).action(async (schedule: string, flags: TriggerFlags) =>
    guarded(deps, async () => {
      useS3();
      const stack = stackName(flags.stack, deps.env);
      const functionName = `${stack}-plan`;
      const time = flags.time ?? new Date(deps.now()).toISOString();
      const result = await invokePlan(deps.lambda(), functionName, { schedule, time }, stack);
      if (!result.started) {
        deps.stderr.write(`schedule ${schedule} already ran for ${time}; nothing started\n`);
        return;
      }
      await followStarted(deps, result, `schedule ${schedule}`, 'splits', flags);
    }),
  );
}

/** Invokes the plan function; its error (a bad schedule, an output that exists) is the command's. */
async function invokePlan(
  lambda: LambdaClient,
  functionName: string,
  event: { schedule: string; time: string },
  stack: string,
): Promise<({ started: true } & StartedJob) | { started: false }> {
  let response: InvokeCommandOutput;
  try {
    response = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    throw new StackNotFoundError(
      `function ${functionName} does not exist: deploy the stack ${stack} (npx serverless deploy), or pass --stack <name>`,
      { cause: error },
    );
  }
  const payload = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8') || 'null') as Record<
    string,
    unknown
  > | null;
  if (response.FunctionError) {
    throw new JobFailedError(
      `the plan function did not start the job: ${String(payload?.errorType ?? response.FunctionError)}: ${String(payload?.errorMessage ?? '')}`,
    );
  }
  return payload as ({ started: true } & StartedJob) | { started: false };
}
