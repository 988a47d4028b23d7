import type { DelegateResult } from '../delegate/types.js';
import { delegateJob, type Emit, type Job, type JobOptions, type MapContext } from '../job/defineJob.js';
import type { InputFormat, Key, OutputFormat } from '../job/types.js';
import { parseSize } from '../plan/parseSize.js';
import { type DelegateStreamDefinition, delegateStreamProblem, delegates } from './delegateStream.js';
import { parseDuration } from './duration.js';
import { StreamDefinitionError } from './errors.js';
import { byWindow, checkWindow, type TumblingWindow } from './window.js';

/** When a stream cuts a micro-batch, and how big one may be. */
export interface TriggerDefinition {
  /** How often a batch is tried: `'10s'`, `'1 minute'`. On AWS at least 1 minute. @default '1 minute' */
  readonly every?: string | number;
  /** The most objects one batch takes; a backlog spreads over consecutive batches. @default 1000 */
  readonly maxFilesPerBatch?: number;
  /** The most bytes one batch takes (a single larger object still gets a batch of its own). @default '1GiB' */
  readonly maxBytesPerBatch?: string | number;
}

/** Fields of every stream, whatever its mode. */
export interface StreamBase<R, K extends Key, V> {
  /** The stream's name: its checkpoint, its batches' job ids (`<name>-b<N>`), its AWS resources. */
  readonly name: string;
  /** Where objects arrive: a prefix of the data bucket on AWS; locally the `--source` directory. */
  readonly source: { readonly prefix: string };
  readonly input: InputFormat<R>;
  readonly trigger?: TriggerDefinition;
  /**
   * What an object rewritten under a key that a committed batch already took does: `'skip'` it
   * (reported in the next batch's offsets entry, never counted twice), or `'reprocess'` it as a
   * new object (its records are counted again). @default 'skip'
   */
  readonly rewrites?: 'skip' | 'reprocess';
  /**
   * What a malformed record does: fail the batch (it runs again, over the same files, on the
   * next start, so a bad file stops the stream until the code handles it), or be skipped,
   * counted and sampled in the batch's `_SUCCESS`. @default 'fail'
   */
  readonly badRecords?: 'fail' | 'skip';
  map(record: R, emit: Emit<K, V>, ctx: MapContext): void | Promise<void>;
  /** Folds values of one key map-side; associative and commutative. */
  combine?(key: K, values: V[]): V;
  readonly output?: OutputFormat;
  /** Job options of every batch. `reducers` is fixed for the life of an update-mode stream. */
  readonly options?: JobOptions;
}

/** Each batch's result is published as its own dataset, `batch=<N>/`. */
export interface AppendStreamDefinition<R, K extends Key, V, O> extends StreamBase<R, K, V> {
  /** @default 'append' */
  readonly mode?: 'append';
  /** Folds a key's values of one batch; without it the batches are map-only. */
  reduce?(key: K, values: V[]): O;
}

/**
 * Event-time windows (append mode with a watermark): a record's key and value go to the
 * tumbling window holding its event time; each window's result is published once, as
 * `{"window":{"start","end"},"key","value"}` records of `batch=<N>/`, in the first batch whose
 * watermark (the latest event time of the batches before, minus `watermark`) reaches the
 * window's end. Open windows are kept as state between batches, so `reduce` folds values into a
 * value of the same type. Records whose window is closed when their batch starts are late:
 * counted and sampled (positions) in the batch's `_SUCCESS` and commit entry, never published.
 */
export interface WindowedStreamDefinition<R, K extends Key, V> extends StreamBase<R, K, V> {
  /** @default 'append' */
  readonly mode?: 'append';
  readonly window: TumblingWindow<R>;
  /** How far behind the latest event time the watermark stays: `'2 minutes'`. @default 0 */
  readonly watermark?: string | number;
  reduce(key: K, values: V[]): V;
}

/**
 * Running totals per key: each batch publishes the whole table as `snapshot=<N>/`. `reduce`
 * folds values into a value of the same type, associatively and commutatively, so that the
 * previous snapshot's value of a key and the batch's new values fold into the new total.
 */
export interface UpdateStreamDefinition<R, K extends Key, V> extends StreamBase<R, K, V> {
  readonly mode: 'update';
  reduce(key: K, values: V[]): V;
}

/** A stream definition: append or update mode. */
export type StreamDefinition<R, K extends Key, V, O> =
  | AppendStreamDefinition<R, K, V, O>
  | UpdateStreamDefinition<R, K, V>
  | WindowedStreamDefinition<R, K, V>;

/** A stream's settings, resolved and checked. */
export interface StreamSettings {
  readonly name: string;
  readonly prefix: string;
  readonly mode: 'append' | 'update';
  readonly everyMs: number;
  readonly maxFiles: number;
  readonly maxBytes: number;
  readonly rewrites: 'skip' | 'reprocess';
  readonly badRecords: 'fail' | 'skip';
  /** Event-time tumbling windows: their size and the watermark's delay, ms. */
  readonly window?: { readonly sizeMs: number; readonly delayMs: number };
}

/**
 * A stream as the framework keeps it: a job (each batch runs it, so the worker threads and the
 * deployed functions load it as they load any job) with its stream settings.
 */
export type Stream<R = unknown, K extends Key = Key, V = unknown, O = unknown> = Job<R, K, V, O> & {
  readonly __stepmrStream: true;
  readonly stream: StreamSettings;
};

const NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

/**
 * Defines a stream: objects arriving under a source prefix are cut into micro-batches, each run
 * as a MapReduce job on the same state machine as batch jobs, each committed exactly once.
 * Types are inferred from your functions as with `defineJob`.
 *
 * @example
 * ```ts
 * import { defineStream, jsonLines } from 'stepmr';
 *
 * export default defineStream({
 *   name: 'clicks',
 *   source: { prefix: 'in/clicks/' },
 *   input: jsonLines<{ page: string }>(),
 *   trigger: { every: '1 minute', maxFilesPerBatch: 1000, maxBytesPerBatch: '2GiB' },
 *   map: (click, emit) => emit(click.page, 1),
 *   combine: (_page, counts) => counts.reduce((a, b) => a + b, 0),
 *   reduce: (_page: string, counts: number[]) => counts.reduce((a, b) => a + b, 0),
 *   mode: 'update',
 * });
 * ```
 */
export function defineStream<R, K extends Key = number, V = DelegateResult, O = V>(
  definition: DelegateStreamDefinition<R, K, V, O>,
): Stream<R, K, V, O>;
export function defineStream<R, K extends Key, V, O = V>(
  definition: StreamDefinition<R, K, V, O>,
): Stream<R, K, V, O>;
export function defineStream<R, K extends Key, V, O = V>(
  definition: StreamDefinition<R, K, V, O> | DelegateStreamDefinition<R, K, V, O>,
): Stream<R, K, V, O> {
  const where = `stream ${JSON.stringify(definition.name)}`;
  if (typeof definition.name !== 'string' || !NAME.test(definition.name)) {
    throw new StreamDefinitionError(
      `${where}: name must start with a letter and hold only letters, digits and '-' (at most 40), as it names the checkpoint, the batches' job ids and AWS resources`,
    );
  }
  const prefix = definition.source?.prefix;
  if (typeof prefix !== 'string' || prefix === '' || prefix.startsWith('/') || !prefix.endsWith('/')) {
    throw new StreamDefinitionError(
      `${where}: source.prefix must be a bucket prefix ending in '/', such as 'in/clicks/' (got ${JSON.stringify(prefix)})`,
    );
  }
  const reserved = ['out/', 'work/', 'streams/'].find((r) => prefix.startsWith(r) || r.startsWith(prefix));
  if (reserved) {
    throw new StreamDefinitionError(
      `${where}: source.prefix ${JSON.stringify(prefix)} overlaps ${reserved}, where the stack keeps results, working objects and checkpoints; choose a prefix of its own, such as 'in/${definition.name}/'`,
    );
  }
  if (delegates(definition)) {
    const problem = delegateStreamProblem(definition);
    if (problem) throw new StreamDefinitionError(`${where}: ${problem}`);
  } else if (typeof definition.map !== 'function')
    throw new StreamDefinitionError(`${where}: map must be a function`);
  const mode = definition.mode ?? 'append';
  if (mode !== 'append' && mode !== 'update') {
    throw new StreamDefinitionError(
      `${where}: mode must be 'append' or 'update' (got ${JSON.stringify(mode)})`,
    );
  }
  if (mode === 'update' && typeof definition.reduce !== 'function') {
    throw new StreamDefinitionError(
      `${where}: mode 'update' needs reduce(key, values) returning a value of the same type, which folds the previous total with the new values`,
    );
  }
  const trigger = definition.trigger ?? {};
  const maxFiles = trigger.maxFilesPerBatch ?? 1000;
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 1) {
    throw new StreamDefinitionError(
      `${where}: trigger.maxFilesPerBatch must be a whole number of at least 1`,
    );
  }
  const maxBytes = parseSize(trigger.maxBytesPerBatch ?? '1GiB');
  if (maxBytes < 1)
    throw new StreamDefinitionError(`${where}: trigger.maxBytesPerBatch must be at least 1 byte`);
  if (mode === 'update' && definition.input.kind === 'csv') {
    throw new StreamDefinitionError(
      `${where}: mode 'update' reads its previous snapshot (JSON Lines) with the stream's input format, which must be jsonLines() or lines(); csv() input is not supported in update mode yet`,
    );
  }
  if (mode === 'update' && definition.output !== undefined && definition.output.kind !== 'jsonl') {
    throw new StreamDefinitionError(
      `${where}: mode 'update' publishes its snapshots as JSON Lines (the next batch reads them back); remove output or use jsonLinesOutput()`,
    );
  }
  const rewrites = definition.rewrites ?? 'skip';
  if (rewrites !== 'skip' && rewrites !== 'reprocess') {
    throw new StreamDefinitionError(`${where}: rewrites must be 'skip' or 'reprocess'`);
  }
  const badRecords = definition.badRecords ?? 'fail';
  if (badRecords !== 'fail' && badRecords !== 'skip') {
    throw new StreamDefinitionError(`${where}: badRecords must be 'fail' or 'skip'`);
  }
  const window = delegates(definition) ? undefined : checkWindow(definition, where, mode);
  const stream: StreamSettings = {
    name: definition.name,
    prefix,
    mode,
    everyMs: parseDuration(trigger.every ?? '1 minute'),
    maxFiles,
    maxBytes,
    rewrites,
    badRecords,
    ...(window ? { window: { sizeMs: window.sizeMs, delayMs: window.delayMs } } : {}),
  };
  if (delegates(definition)) {
    const { trigger: _t, source: _s, mode: _m, rewrites: _r, badRecords: _b, calls, ...job } = definition;
    return Object.freeze({ ...delegateJob(job, calls), __stepmrStream: true as const, stream }) as Stream<
      R,
      K,
      V,
      O
    >;
  }
  const { trigger: _t, source: _s, mode: _m, rewrites: _r, badRecords: _b, ...job } = definition;
  const map = mode === 'update' ? withState(definition.map) : definition.map;
  const windowed = window && {
    window: undefined,
    watermark: undefined,
    eventTime: window.time,
    reduce: byWindow(window.reduce),
    ...(definition.combine ? { combine: byWindow(definition.combine) } : {}),
  };
  return Object.freeze({
    ...job,
    ...windowed,
    map,
    __stepmrJob: true as const,
    __stepmrStream: true as const,
    stream,
  }) as Stream<R, K, V, O>;
}

/**
 * A part of an update-mode snapshot, as a batch reads it: `<output>/snapshot=<N>/part-…`.
 * Source objects are never named so (the source may not lie in the output).
 */
const STATE_PART = /\/snapshot=\d{10}\/part-[^/]+$/;

/**
 * Wraps an update-mode stream's map: a record of the previous snapshot (`{"key":…,"value":…}`)
 * is emitted as it is, so the batch's reduce folds each key's total with its new values; any
 * other record goes to the user's map.
 */
function withState<R, K extends Key, V>(map: StreamBase<R, K, V>['map']): StreamBase<R, K, V>['map'] {
  return (record, emit, ctx) => {
    if (!STATE_PART.test(ctx.uri)) return map(record, emit, ctx);
    const state = (typeof record === 'string' ? JSON.parse(record) : record) as { key: K; value: V };
    emit(state.key, state.value);
  };
}

/**
 * Whether a module export is a stream made by {@link defineStream}.
 *
 * @example
 * ```ts
 * if (isStream(module.default)) console.log(module.default.stream.name);
 * ```
 */
export function isStream(value: unknown): value is Stream {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { __stepmrStream?: unknown }).__stepmrStream === true
  );
}
