import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { resolveOptions, type Tolerance, toleranceFields } from '../job/options.js';
import { defaultSplitsPerTask, EMBEDDED_FUNCTIONS } from '../runtime/embedded/runEmbedded.js';
import { loadJobModule, resolveJobModule } from '../runtime/loadJob.js';
import { buildDefinition } from '../statemachine/buildDefinition.js';
import { positiveInt, size, tolerance } from './parse.js';

interface DefinitionFlags {
  readonly map?: string;
  readonly reduce?: string;
  readonly collect?: string;
  readonly splitSize?: number;
  readonly splitsPerTask?: number;
  readonly maxConcurrency?: number;
  readonly express: boolean;
  readonly tolerate?: Tolerance;
}

/** Adds `stepmr definition`. */
export function addDefinitionCommand(program: Command): void {
  program
    .command('definition')
    .description('print the Amazon States Language definition of a job’s state machine')
    .argument('<job>', 'the job module: a .ts file, or a folder with job.ts')
    .option('--map <arn>', 'ARN of the map function (default: the embedded runtime’s)')
    .option('--reduce <arn>', 'ARN of the reduce function')
    .option('--collect <arn>', 'ARN of the collect function')
    .option(
      '-s, --split-size <size>',
      'bytes per split, which sets splits per map task',
      size('--split-size'),
    )
    .option('--splits-per-task <n>', 'splits per map task', positiveInt('--splits-per-task', 10_000))
    .option(
      '--max-concurrency <n>',
      'child executions at once per stage (default: 0, Step Functions decides)',
      positiveInt('--max-concurrency', 10_000),
    )
    .option('--no-express', 'run children as STANDARD workflows instead of EXPRESS')
    .option('--tolerate <n|n%>', 'map tasks allowed to fail, as a count or a percentage', tolerance)
    .action(async (spec: string, flags: DefinitionFlags) => {
      const path = await resolveJobModule(spec);
      const job = await loadJobModule(path);
      const options = resolveOptions(job, flags.splitSize ? { splitSize: flags.splitSize } : {});
      const definition = buildDefinition({
        name: job.name ?? basename(dirname(path)),
        hasReduce: job.reduce !== undefined,
        functions: {
          map: flags.map ?? EMBEDDED_FUNCTIONS.map,
          reduce: flags.reduce ?? EMBEDDED_FUNCTIONS.reduce,
          collect: flags.collect ?? EMBEDDED_FUNCTIONS.collect,
        },
        splitsPerTask: flags.splitsPerTask ?? defaultSplitsPerTask(options.splitSize),
        ...(flags.maxConcurrency ? { maxConcurrency: flags.maxConcurrency } : {}),
        executionType: flags.express ? 'EXPRESS' : 'STANDARD',
        ...toleranceFields(flags.tolerate),
      });
      process.stdout.write(`${JSON.stringify(definition, null, 2)}\n`);
    });
}
