import { basename, dirname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { EstimateError } from '../estimate/errors.js';
import { estimateJob } from '../estimate/estimateJob.js';
import { formatEstimate } from '../estimate/formatEstimate.js';
import { planShape, syntheticInput } from '../estimate/planShape.js';
import { PRICES } from '../estimate/prices.js';
import { loadJobModule, resolveJobModule } from '../runtime/loadJob.js';
import { readSuccess } from '../tasks/manifest.js';
import { positiveInt, size } from './parse.js';

interface EstimateFlags {
  readonly input?: string[];
  readonly output?: string;
  readonly reducers?: number;
  readonly splitSize?: number;
  readonly splitsPerTask?: number;
  readonly region: string;
  readonly mbPerS?: number;
  readonly assumeInput?: number;
  readonly shuffleRatio?: number;
  readonly outputRatio?: number;
  readonly concurrency?: number;
  readonly bucket?: string;
  readonly compare?: string;
  readonly json?: boolean;
}

/** Commander parser for a positive number (a rate, a ratio). */
function positive(name: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!Number.isFinite(x) || x <= 0)
      throw new InvalidArgumentError(`${name} must be a number above 0, got "${value}"`);
    return x;
  };
}

/** Adds `stepmr estimate`. */
export function addEstimateCommand(program: Command): void {
  program
    .command('estimate')
    .description(
      'print what a job will do on AWS (tasks, S3 requests, GB-seconds) and what it costs, before running it',
    )
    .argument('<job>', 'the job module: a .ts file, or a folder with job.ts')
    .option(
      '-i, --input <paths...>',
      'the input, as `stepmr run` or `submit` takes it (listed, never read); or --assume-input',
    )
    .option('-o, --output <uri>', 'the output (not checked: the estimate counts a fresh output)')
    .option(
      '-r, --reducers <n>',
      'reduce partitions (default: the job’s, else 4)',
      positiveInt('--reducers', 10_000),
    )
    .option('-s, --split-size <size>', 'bytes per input split (default: 32MiB)', size('--split-size'))
    .option(
      '--splits-per-task <n>',
      'splits per map task (default: about 16 MiB per task)',
      positiveInt('--splits-per-task', 10_000),
    )
    .option('--region <region>', `prices of this region (${Object.keys(PRICES).join(', ')})`, 'us-east-1')
    .option(
      '--mb-per-s <x>',
      'MiB one task processes per second (default: 4.5, measured; see the README)',
      positive('--mb-per-s'),
    )
    .option(
      '--assume-input <size>',
      'plan a synthetic input of this size (1 GiB objects) instead of listing --input',
      size('--assume-input'),
    )
    .option('--shuffle-ratio <x>', 'shuffle bytes per input byte (default: 1)', positive('--shuffle-ratio'))
    .option(
      '--output-ratio <x>',
      'output bytes per shuffle (or, map-only, input) byte (default: 1)',
      positive('--output-ratio'),
    )
    .option(
      '--concurrency <n>',
      'Lambda tasks at once (default: 1000, the account quota)',
      positiveInt('--concurrency', 10_000),
    )
    .option('--bucket <name>', 'the stack’s bucket, for a synthetic input (default: stepmr-dev-data)')
    .option(
      '--compare <output>',
      'print the requests the job that wrote this output counted (its _SUCCESS) beside the estimate',
    )
    .option('--json', 'print the estimate as JSON')
    .action(async (spec: string, flags: EstimateFlags) => {
      if (!flags.input && !flags.assumeInput) {
        throw new EstimateError(
          'stepmr estimate needs the input: --input <paths…> to list it, or --assume-input <size> (e.g. 10TB) to plan a synthetic one',
        );
      }
      const inputs = flags.input ?? [`s3://${flags.bucket ?? 'stepmr-dev-data'}/in/synthetic/`];
      const wantsS3 = [...(flags.input ?? []), flags.compare ?? ''].some((uri) => uri.startsWith('s3://'));
      if (wantsS3) (await import('../runtime/aws/s3.js')).useS3();
      const modulePath = await resolveJobModule(spec);
      const job = await loadJobModule(modulePath);
      const bucket = flags.bucket ?? 'stepmr-dev-data';
      const shape = await planShape({
        job,
        name: job.name ?? basename(dirname(modulePath)),
        inputs,
        ...(flags.assumeInput ? { files: syntheticInput(flags.assumeInput, bucket) } : {}),
        bucket,
        ...(flags.reducers ? { reducers: flags.reducers } : {}),
        ...(flags.splitSize ? { splitSize: flags.splitSize } : {}),
        ...(flags.splitsPerTask ? { splitsPerTask: flags.splitsPerTask } : {}),
        ...(flags.shuffleRatio ? { shuffleRatio: flags.shuffleRatio } : {}),
        ...(flags.outputRatio ? { outputRatio: flags.outputRatio } : {}),
      });
      const estimate = estimateJob(shape, {
        region: flags.region,
        ...(flags.mbPerS ? { mbPerSecond: flags.mbPerS } : {}),
        ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
      });
      const actual = flags.compare ? await readSuccess(flags.compare.replace(/\/?$/, '/')) : undefined;
      if (flags.compare && !actual) {
        throw new EstimateError(
          `--compare ${flags.compare} holds no _SUCCESS: give the output location of a job that committed`,
        );
      }
      if (flags.json) {
        const { map, reduce, ...rest } = estimate.requests;
        const requests = {
          ...rest,
          map: { tasks: map.tasks, requests: map.requests },
          reduce: { tasks: reduce.tasks, requests: reduce.requests },
        };
        process.stdout.write(
          `${JSON.stringify({ ...estimate, requests, ...(actual ? { actual: actual.stages } : {}) }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(formatEstimate(estimate, actual));
    });
}
