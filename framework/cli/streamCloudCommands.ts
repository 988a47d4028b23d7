import { existsSync } from 'node:fs';
import { type Command, CommanderError } from 'commander';
import type { StepmrConfig } from '../deploy/config.js';
import { type DeployedStream, deployedStream } from '../deploy/streams.js';
import type { AdvanceOutcome } from '../runtime/aws/advanceStream.js';
import { findStack, stackName } from '../runtime/aws/findStack.js';
import { sfnOrchestrator } from '../runtime/aws/sfnOrchestrator.js';
import type { StreamStatus } from '../runtime/aws/streamStatus.js';
import { loadConfig } from '../runtime/loadConfig.js';
import { type CloudCommandDeps, cloudDeps, guarded } from './drivers.js';
import { bytes, duration } from './format.js';
import { positiveInt } from './parse.js';

interface StreamStatusFlags {
  readonly stack?: string;
  readonly config?: string;
  readonly watch?: boolean;
  readonly interval?: number;
  readonly json?: boolean;
}

/** The deployed stream of that name in the project's stepmr.config.ts, or a usage error (exit 2). */
async function streamOf(deps: CloudCommandDeps, config: StepmrConfig, name: string): Promise<DeployedStream> {
  const stream = deployedStream(config, name);
  if (stream) return stream;
  const known = Object.keys(config.streams ?? {}).join(', ') || 'none';
  const message = `stream ${JSON.stringify(name)} is not in stepmr.config.ts (its streams: ${known})`;
  deps.stderr.write(`stepmr: ${message}\n`);
  throw new CommanderError(2, 'stepmr.notFound', message);
}

/** The late records and watermark lines of a status; one line saying there are none without a window. */
function lateLines(status: StreamStatus): string[] {
  if (!status.late) return ['  late records          none (the stream has no event-time window)'];
  const { lastBatch, total, commits, samples } = status.late;
  const at = samples.map(
    (p) => `    ${p.uri}${p.line !== undefined ? ` line ${p.line}` : ''} (byte ${p.offset})`,
  );
  return [
    `  late records          ${lastBatch} in the last committed batch, ${total} over the last ${commits} commits`,
    ...at,
    `  watermark             ${status.watermark !== undefined ? new Date(status.watermark).toISOString() : 'none yet'}`,
  ];
}

/**
 * A stream's status as `stepmr stream status` prints it.
 *
 * @example
 * ```ts
 * process.stdout.write(formatStreamStatus(status));
 * ```
 */
export function formatStreamStatus(status: StreamStatus): string {
  const running = status.running
    ? `batch ${status.running.batch} (${status.running.files} files)${status.running.execution ? `, ${status.running.execution} ${status.running.status}` : ', not started'}`
    : 'none';
  return [
    `stream ${status.stream}`,
    `  last committed batch  ${status.lastCommitted ?? 'none'}`,
    `  running batch         ${running}`,
    `  pending               ${status.pending.files} files, ${bytes(status.pending.bytes)}`,
    `  lag                   ${duration(status.lagMs)}`,
    `  rewrites skipped      ${status.rewritesSkipped} (in the last batch)`,
    ...lateLines(status),
    '',
  ].join('\n');
}

/**
 * Adds `stepmr stream status <name>` under `stepmr stream`: where a stream of the deployed stack
 * stands (last committed batch, running batch, pending files and bytes, lag), read from its
 * checkpoint, its source and its executions with the standard AWS configuration; `--watch`
 * polls until nothing is pending.
 *
 * @example
 * ```ts
 * addStreamStatusCommand(program.commands.find((c) => c.name() === 'stream'));
 * ```
 */
export function addStreamStatusCommand(stream: Command, partial: Partial<CloudCommandDeps> = {}): Command {
  const deps = cloudDeps(partial);
  stream
    .command('status')
    .description('where a stream of the deployed stack stands: batches, pending objects, lag')
    .argument('<name>', 'the stream’s name in stepmr.config.ts')
    .option('--stack <name>', 'the deployed stack (default: $STEPMR_STACK, else stepmr-dev)')
    .option('--config <file>', 'the project’s stepmr.config.ts (default: ./stepmr.config.ts)')
    .option('--watch', 'poll until nothing is pending and no batch runs')
    .option(
      '--interval <seconds>',
      'seconds between polls with --watch (default: 5)',
      positiveInt('--interval', 3600),
    )
    .option('--json', 'print the status as JSON')
    .action(async (name: string, flags: StreamStatusFlags) =>
      guarded(deps, async () => {
        const config = await loadConfig(flags.config ?? 'stepmr.config.ts');
        const deployed = await streamOf(deps, config, name);
        const stack = await findStack(deps.cloudFormation(), stackName(flags.stack, deps.env));
        const [{ S3Store }, { s3Client }] = await Promise.all([
          import('../store/S3Store.js'),
          import('../runtime/aws/s3.js'),
        ]);
        const { streamStatus } = await import('../runtime/aws/streamStatus.js');
        const read = () =>
          streamStatus(deployed, {
            store: (prefix) => new S3Store({ client: s3Client(), bucket: stack.bucket, prefix }),
            orchestrator: sfnOrchestrator(deps.sfn()),
            stateMachineArn: stack.stateMachineArn,
            now: deps.now,
          });
        let status = await read();
        while (flags.watch && (status.pending.files > 0 || status.running)) {
          deps.stderr.write(formatStreamStatus(status));
          const ms = (flags.interval ?? 5) * 1000;
          await (deps.sleep ? deps.sleep(ms) : new Promise((r) => setTimeout(r, ms)));
          status = await read();
        }
        deps.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStreamStatus(status));
      }),
    );
  return stream;
}

/**
 * What `stepmr trigger <stream>` prints for the trigger function's answer.
 *
 * @example
 * ```ts
 * deps.stdout.write(`${triggerLine('clicks', outcome)}\n`);
 * ```
 */
export function triggerLine(
  stream: string,
  outcome: AdvanceOutcome | { readonly outcome: 'ignored'; readonly why: string },
): string {
  switch (outcome.outcome) {
    case 'idle':
      return `stream ${stream}: nothing new to process; no batch started`;
    case 'running':
      return `stream ${stream}: batch ${outcome.batch} is running (${outcome.execution}); nothing else started`;
    case 'started':
      return `stream ${stream}: started batch ${outcome.batch}${outcome.rerun ? ` (re-run ${outcome.rerun})` : ''}: ${outcome.execution}`;
    case 'ignored':
      return `stream ${stream}: ${outcome.why}`;
  }
}

/**
 * Whether `name` is a stream of the project's stepmr.config.ts (then `stepmr trigger` triggers
 * the stream, else the schedule of that name). A folder without the config has none.
 *
 * @example
 * ```ts
 * if (await isProjectStream('clicks')) …
 * ```
 */
export async function isProjectStream(name: string, configFile = 'stepmr.config.ts'): Promise<boolean> {
  if (!existsSync(configFile)) return false;
  const config = await loadConfig(configFile);
  return Boolean(config.streams && Object.hasOwn(config.streams, name));
}
