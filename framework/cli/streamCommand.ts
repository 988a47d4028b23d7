import type { Command } from 'commander';
import type { BatchReport } from '../runtime/embedded/streamBatch.js';
import { runStreamEmbedded } from '../runtime/embedded/streamEmbedded.js';
import { JobCancelledError } from '../runtime/errors.js';
import { parseDuration } from '../stream/duration.js';
import { bytes, count, duration } from './format.js';
import { plural } from './progressView.js';
import { type WorkerFlags, workerOptions, workerSettings } from './runCommand.js';

interface StreamFlags extends WorkerFlags {
  readonly source: string;
  readonly output: string;
  readonly checkpoint?: string;
  readonly every?: number;
  readonly once?: boolean;
}

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

/**
 * One line per committed batch: `batch 3: 12 files, 4211 records, 1.2 MiB, 850ms, lag 2.1s`,
 * with what a user should know (a resumed batch, rewrites, a backlog).
 *
 * @example
 * ```ts
 * process.stdout.write(`${batchLine(report)}\n`);
 * ```
 */
export function batchLine(report: BatchReport): string {
  const notes = [
    report.resumed ? 'resumed' : '',
    report.closesWindows
      ? `nothing new: closes the windows ending by the watermark ${report.window?.watermark ?? ''}`.trimEnd()
      : '',
    ...report.rewrites.map((r) => `${r.key} rewritten after batch ${r.seenBatch}: ${r.action}`),
    report.window && report.window.late > 0 ? `${count(report.window.late)} late records dropped` : '',
    report.pending.files > 0 ? `backlog ${files(report.pending.files)}, ${bytes(report.pending.bytes)}` : '',
  ].filter((note) => note !== '');
  return (
    `batch ${report.batch}: ${files(report.files)}, ${count(report.records.in)} records, ${bytes(report.bytes.in)}, ` +
    `${duration(report.durationMs)}, lag ${duration(report.lagMs)}` +
    (report.published ? ` → ${report.published}` : '') +
    (notes.length > 0 ? ` (${notes.join('; ')})` : '')
  );
}

/**
 * Adds `stepmr stream`: runs a stream on this machine over a directory files arrive in.
 *
 * @example
 * ```ts
 * addStreamCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'stream', 'examples/clickstream', '--source', 'inbox', '--output', 'out/clicks', '--once']);
 * ```
 */
export function addStreamCommand(program: Command): Command {
  const command = program
    .command('stream')
    .description('run a stream on this machine: micro-batches of the files arriving in a directory')
    .argument(
      '<stream>',
      'the stream module: a .ts file, or a folder with job.ts (export default defineStream(…))',
    )
    .requiredOption(
      '--source <dir>',
      'the directory files arrive in (write each file whole, or under a name starting with . or _ then rename it)',
    )
    .requiredOption(
      '-o, --output <dir>',
      'output directory: batch=<N>/ (append) or snapshot=<N>/ (update) folders',
    )
    .option('--checkpoint <dir>', 'checkpoint directory (default: <output>/_checkpoint)')
    .option(
      '--every <duration>',
      "how often to list the source when no file event comes, e.g. 10s (default: the stream's trigger.every)",
      (value: string) => parseDuration(value),
    )
    .option('--once', 'process every file there now, in as many batches as the caps need, then exit')
    .addHelpText(
      'after',
      '\nOn the deployed stack:\n  stepmr stream status <name> [--watch] [--json]   where a deployed stream stands\n  stepmr trigger <name>                            start its next batch now',
    );
  workerOptions(command).action(async (stream: string, flags: StreamFlags) => {
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(130);
      process.stderr.write(
        '\nstopping: a running batch is cancelled and runs again on the next start (Ctrl-C again to quit at once)\n',
      );
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const summary = await runStreamEmbedded({
        stream,
        source: flags.source,
        output: flags.output,
        ...(flags.checkpoint ? { checkpoint: flags.checkpoint } : {}),
        ...(flags.every ? { everyMs: flags.every } : {}),
        once: flags.once ?? false,
        signal: stop.signal,
        onBatch: (report) => process.stdout.write(`${batchLine(report)}\n`),
        ...workerSettings(flags),
      });
      const batches = `${summary.batches} ${summary.batches === 1 ? 'batch' : 'batches'}`;
      process.stderr.write(`${batches}, ${plural(summary.files, 'file')} committed\n`);
      if (summary.stopped) {
        throw new JobCancelledError(
          'stream stopped; its checkpoint is consistent, and the next start resumes it',
        );
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
  return command;
}
