import type { Command } from 'commander';
import { EMBEDDED_FUNCTIONS } from '../runtime/embedded/runEmbedded.js';
import { buildDefinition } from '../statemachine/buildDefinition.js';
import { positiveInt } from './parse.js';

interface DefinitionFlags {
  readonly map?: string;
  readonly reduce?: string;
  readonly delegate?: string;
  readonly collect?: string;
  readonly maxConcurrency?: number;
  readonly express: boolean;
}

/** Adds `stepmr definition`. */
export function addDefinitionCommand(program: Command): void {
  program
    .command('definition')
    .description(
      'print the Amazon States Language definition of the state machine that runs every job (the one serverless.yml deploys)',
    )
    .argument('[job]', 'a job, if you name one: every job runs the same definition')
    .option('--map <arn>', 'ARN of the map function (default: the embedded runtime’s)')
    .option('--reduce <arn>', 'ARN of the reduce function')
    .option('--delegate <arn>', 'ARN of the delegate function')
    .option('--collect <arn>', 'ARN of the collect function')
    .option(
      '--max-concurrency <n>',
      'child executions at once per stage (default: 0, Step Functions decides)',
      positiveInt('--max-concurrency', 10_000),
    )
    .option('--no-express', 'run children as STANDARD workflows instead of EXPRESS')
    .action((job: string | undefined, flags: DefinitionFlags) => {
      if (job !== undefined) {
        process.stderr.write(
          `stepmr: one state machine runs every job, ${job} too (each execution's input names its job); its definition follows\n`,
        );
      }
      const definition = buildDefinition({
        functions: {
          map: flags.map ?? EMBEDDED_FUNCTIONS.map,
          reduce: flags.reduce ?? EMBEDDED_FUNCTIONS.reduce,
          delegate: flags.delegate ?? EMBEDDED_FUNCTIONS.delegate,
          collect: flags.collect ?? EMBEDDED_FUNCTIONS.collect,
        },
        ...(flags.maxConcurrency ? { maxConcurrency: flags.maxConcurrency } : {}),
        executionType: flags.express ? 'EXPRESS' : 'STANDARD',
      });
      process.stdout.write(`${JSON.stringify(definition, null, 2)}\n`);
    });
}
