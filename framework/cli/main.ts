import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { StepmrError } from '../errors.js';
import { JobCancelledError } from '../runtime/errors.js';
import { addCommands } from './commands.js';

/**
 * The `stepmr` command. Returns the exit code: 0 on success, 1 when a job fails, 2 for bad usage, 130 when cancelled.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['node', 'stepmr', 'run', 'examples/wordcount', '-i', 'data', '-o', 'out']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('stepmr')
    .description('Serverless MapReduce for TypeScript on AWS Step Functions')
    .version(version(), '-V, --version', 'print the version of stepmr')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  try {
    await addCommands(program, argv);
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    const e = error as Error;
    const known = error instanceof StepmrError;
    process.stderr.write(`\nstepmr: ${known ? `${e.name}: ` : ''}${e.message}\n`);
    if (process.env.STEPMR_DEBUG) process.stderr.write(`${e.stack}\n`);
    // 130: the conventional code of a program ended by Ctrl-C (128 + SIGINT).
    return e instanceof JobCancelledError ? 130 : 1;
  }
}

/** stepmr's version, from its package.json (two folders up from framework/cli and dist/cli). */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String((manifest as { version?: unknown }).version);
}
