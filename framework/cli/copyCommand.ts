import type { Command } from 'commander';
import { useS3 } from '../runtime/aws/s3.js';
import { copy } from '../store/copy.js';
import { bytes } from './format.js';

/**
 * Adds `stepmr cp`: copies input to the data bucket and results back, with the standard AWS
 * configuration (so against the offline cloud too, through `AWS_ENDPOINT_URL_S3`).
 *
 * @example
 * ```ts
 * addCopyCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'cp', 'examples/wordcount/data', 's3://stepmr-dev-data/in/corpus/']);
 * ```
 */
export function addCopyCommand(program: Command): void {
  program
    .command('cp')
    .description('copy files and directories to or from S3 (local paths or s3:// URIs)')
    .argument(
      '<paths...>',
      'sources (files, directories, objects or prefixes; a directory or prefix is copied whole), then the destination (a directory or prefix when it ends in / or gets several objects)',
    )
    .option('-q, --quiet', 'do not list each object copied')
    .action(async (paths: string[], flags: { quiet?: boolean }, command: Command) => {
      const destination = paths.at(-1);
      const sources = paths.slice(0, -1);
      if (destination === undefined || sources.length === 0) {
        command.error(
          'error: stepmr cp needs a source and a destination: stepmr cp <source...> <destination>',
        );
      }
      useS3();
      const done = await copy(sources, destination, (from, to, size) => {
        if (!flags.quiet) process.stderr.write(`${from} -> ${to} (${bytes(size)})\n`);
      });
      process.stderr.write(
        `copied ${done.objects} object${done.objects === 1 ? '' : 's'}, ${bytes(done.bytes)}\n`,
      );
    });
}
