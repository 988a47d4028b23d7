import * as z from 'zod';
import { STREAM_NAME } from '../contract/batchNames.js';
import { rateExpression } from '../stream/duration.js';
import { STREAMS_PREFIX, streamPrefixes } from '../stream/publish.js';
import { ConfigError, type StepmrConfig } from './config.js';
import { BUCKET_LAYOUT } from './layout.js';

/** What the stack deploys for one stream of `stepmr.config.ts`. */
export interface DeployedStream {
  /** The stream's name in `streams`. */
  readonly name: string;
  /** The source prefix in the data bucket, ending in `/` (`in/clicks/`). */
  readonly prefix: string;
  /** The EventBridge schedule of `trigger.every`, rounded up to whole minutes: `rate(1 minute)`. */
  readonly rate: string;
  /** The checkpoint prefix: `streams/<name>/`. */
  readonly checkpoint: string;
  /** The output prefix of its batches: `out/streams/<name>/` (batch N under `batch=<N>/`). */
  readonly output: string;
  /**
   * The state its batches carry, which their reducers read (and write, for windows) under
   * `output`: update mode's `snapshot=<N>/`, a windowed stream's open windows `_state/`.
   */
  readonly state?: 'snapshot' | 'windows';
}

/** Where the stack keeps the streams' checkpoints (offsets and commits logs). */
const STREAMS_ROOT = STREAMS_PREFIX;

/** The settings of a stream made by defineStream that the stack is generated from. */
const streamShape = z.object({
  stream: z.object({
    name: z.string(),
    prefix: z.string().min(1),
    everyMs: z.number().positive(),
    mode: z.enum(['append', 'update']).optional(),
    window: z.unknown().optional(),
  }),
});

/** Prefixes a source may not lie in or hold: the stack writes there, and would trigger itself. */
const OWN_PREFIXES = [BUCKET_LAYOUT.work, BUCKET_LAYOUT.output, STREAMS_ROOT];

function sourcePrefix(name: string, prefix: string): string {
  const key = prefix.replace(/^\/+/, '');
  const where = `stepmr.config.ts: streams.${name}.source.prefix ${JSON.stringify(prefix)}`;
  if (!key.endsWith('/') || key.split('/').includes('..') || key.includes('*')) {
    throw new ConfigError(`${where} must be a folder of the data bucket ending in '/': in/${name}/`);
  }
  const clash = OWN_PREFIXES.find((own) => key.startsWith(own) || own.startsWith(key));
  if (clash) {
    throw new ConfigError(
      `${where} overlaps ${clash}, where the stack writes its work, results and checkpoints (each write would start a batch); choose a source outside it: in/${name}/`,
    );
  }
  return key;
}

/**
 * The streams of `stepmr.config.ts` as the stack deploys them: for each, its source prefix,
 * schedule, checkpoint and output prefixes. Names, prefixes and schedules are checked: a
 * source may not overlap `work/`, `out/` or `streams/` (the stack's own writes would trigger
 * it). EventBridge schedules fire in whole minutes: a period is rounded up (`10s` → every minute;
 * arrival events start batches sooner).
 *
 * @example
 * ```ts
 * deployedStreams(config); // [{ name: 'clicks', prefix: 'in/clicks/', rate: 'rate(1 minute)', checkpoint: 'streams/clicks/', output: 'out/streams/clicks/' }]
 * ```
 */
export function deployedStreams(config: StepmrConfig): DeployedStream[] {
  const streams = (config as { readonly streams?: Readonly<Record<string, unknown>> }).streams ?? {};
  return Object.entries(streams).map(([name, definition]) => {
    if (!STREAM_NAME.test(name)) {
      throw new ConfigError(
        `stepmr.config.ts: stream name ${JSON.stringify(name)} must start with a letter and hold only letters, digits and '-' (at most 40)`,
      );
    }
    const parsed = streamShape.safeParse(definition);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(
        `stepmr.config.ts: streams.${name}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}; register a stream made by defineStream`,
      );
    }
    const settings = parsed.data.stream;
    if (settings.name !== name) {
      throw new ConfigError(
        `stepmr.config.ts: streams.${name} is the stream ${JSON.stringify(settings.name)}; register it under its own name: streams: { '${settings.name}': … }`,
      );
    }
    return {
      name,
      prefix: sourcePrefix(name, settings.prefix),
      rate: rateExpression(settings.everyMs),
      ...streamPrefixes(name),
      ...(settings.mode === 'update'
        ? { state: 'snapshot' as const }
        : settings.window !== undefined
          ? { state: 'windows' as const }
          : {}),
    };
  });
}

/**
 * The deployed stream of that name, or undefined when `stepmr.config.ts` has none.
 *
 * @example
 * ```ts
 * const clicks = deployedStream(config, 'clicks');
 * ```
 */
export function deployedStream(config: StepmrConfig, name: string): DeployedStream | undefined {
  return deployedStreams(config).find((s) => s.name === name);
}
