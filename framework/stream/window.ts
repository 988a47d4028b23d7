import type { Emit, Job, MapContext } from '../job/defineJob.js';
import type { Key } from '../job/types.js';
import type { StreamDefinition } from './defineStream.js';
import { parseDuration } from './duration.js';
import { StreamDefinitionError } from './errors.js';

/** An event-time tumbling window: fixed, non-overlapping intervals `[start, start + size)`. */
export interface TumblingWindow<R> {
  readonly kind: 'tumbling';
  readonly sizeMs: number;
  /** A record's event time: milliseconds since the epoch, or a Date. */
  readonly time: (record: R) => number | Date;
}

/**
 * Event-time tumbling windows of `size` for a stream's `window`: a record belongs to the
 * window `[start, start + size)` holding `time(record)`, where `start` is a multiple of `size`
 * since the epoch.
 *
 * @example
 * ```ts
 * window: tumbling('5 minutes', (click: Click) => click.time),
 * watermark: '2 minutes',
 * ```
 */
export function tumbling<R>(size: string | number, time: (record: R) => number | Date): TumblingWindow<R> {
  if (typeof time !== 'function') {
    throw new StreamDefinitionError(
      'tumbling(size, time): time must be a function returning the record’s event time (ms or a Date)',
    );
  }
  return Object.freeze({ kind: 'tumbling' as const, sizeMs: parseDuration(size), time });
}

/**
 * The window start of an event time: the largest multiple of `sizeMs` at or before it.
 *
 * @example
 * ```ts
 * windowStart(7, 5); // 5
 * windowStart(-1, 5); // -5
 * ```
 */
export function windowStart(time: number, sizeMs: number): number {
  return Math.floor(time / sizeMs) * sizeMs;
}

/**
 * The folder, relative to a windowed stream's output, holding the open windows after batch N:
 * `_state/batch=<N>/`, beside the published `batch=<N>/` (so that folder holds results only).
 *
 * @example
 * ```ts
 * stateFolder('batch=0000000003/'); // '_state/batch=0000000003/'
 * ```
 */
export function stateFolder(batchFolder: string): string {
  return `${STATE_PREFIX}${batchFolder}`;
}

/** Where windowed streams keep their open windows, relative to their output. */
const STATE_PREFIX = '_state/';

/** A part of a windowed stream's state, as a batch reads it back. */
const STATE_PART = /\/_state\/batch=\d{10}\/part-[^/]+$/;

/**
 * The state location of a windowed batch whose output is `output` (`…/batch=<N>/`):
 * `…/_state/batch=<N>/`. Tasks derive it from the plan's output, which their scope checked,
 * rather than take it from anywhere.
 *
 * @example
 * ```ts
 * stateLocation('s3://data/out/streams/clicks/batch=0000000003/'); // 's3://data/out/streams/clicks/_state/batch=0000000003/'
 * ```
 */
export function stateLocation(output: string): string {
  const match = /^(.*\/)(batch=\d{10})\/?$/.exec(output);
  if (!match)
    throw new StreamDefinitionError(`a windowed batch's output must end in batch=<N>/, not ${output}`);
  return `${match[1]}${stateFolder(`${match[2]}/`)}`;
}

/** The window settings a batch's plan carries: the size, and the watermark it runs with. */
export interface PlannedWindow {
  readonly sizeMs: number;
  readonly watermark?: number | undefined;
}

/** A late record's position (never its content). */
export interface LatePosition {
  readonly uri: string;
  readonly offset: number;
  readonly line: number | undefined;
}

/** Late records a map task keeps positions of. */
const LATE_SAMPLES = 10;

/** A windowed stream's event-time function, as its job carries it. */
function eventTimeOf(job: Job): (record: unknown) => number | Date {
  const time = (job as { eventTime?: unknown }).eventTime;
  if (typeof time !== 'function') {
    throw new StreamDefinitionError(
      "a windowed stream batch's job has no event-time function: define the stream with defineStream({ window: tumbling(size, time), … })",
    );
  }
  return time as (record: unknown) => number | Date;
}

/**
 * A windowed stream's map for one map task: a state record (`{"key":[start,k],"value":v}` of
 * `_state/batch=<N>/`) passes through; any other record gets its event time, which the task's
 * maximum follows, and either is late (its window ends at or before the watermark: counted,
 * a few positions kept, nothing emitted) or goes to the user's map, whose keys become
 * `[windowStart, key]`.
 *
 * @example
 * ```ts
 * const windowed = windowedMap(job, plan.window);
 * await runMap({ ...job, map: windowed.map }, …);
 * const { max, late, samples } = windowed.stats();
 * ```
 */
export function windowedMap(job: Job, window: PlannedWindow) {
  const time = eventTimeOf(job);
  const { sizeMs, watermark } = window;
  let max: number | undefined;
  let late = 0;
  const samples: LatePosition[] = [];
  const map = (record: unknown, emit: Emit<Key, unknown>, ctx: MapContext) => {
    if (STATE_PART.test(ctx.uri)) {
      const state = (typeof record === 'string' ? JSON.parse(record) : record) as {
        key: Key;
        value: unknown;
      };
      emit(state.key, state.value);
      return;
    }
    const given = time(record);
    const t = given instanceof Date ? given.getTime() : given;
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new TypeError(
        `the window's time function returned ${t === null ? 'null' : typeof t === 'number' ? String(t) : typeof t}, not a finite number of milliseconds or a valid Date`,
      );
    }
    if (max === undefined || t > max) max = t;
    const start = windowStart(t, sizeMs);
    if (watermark !== undefined && start + sizeMs <= watermark) {
      late++;
      if (samples.length < LATE_SAMPLES) samples.push({ uri: ctx.uri, offset: ctx.offset, line: ctx.line });
      return;
    }
    return job.map(record, (key, value) => emit([start, key], value), ctx);
  };
  const stats = () => ({
    ...(max === undefined ? {} : { max }),
    late,
    samples: samples.map((s) => (s.line === undefined ? { uri: s.uri, offset: s.offset } : s)),
  });
  return { map, stats };
}

/**
 * Whether a windowed reducer's key `[start, key]` is a closed window, which it publishes
 * (`{"window":{"start","end"},"key","value"}`), rather than an open one it keeps as state.
 *
 * @example
 * ```ts
 * closedWindow([0, 'a'], { sizeMs: 5, watermark: 5 }); // { start: 0, end: 5, key: 'a' }
 * ```
 */
export function closedWindow(
  key: Key,
  window: PlannedWindow,
): { start: number; end: number; key: Key } | undefined {
  const [start, inner] = key as readonly [number, Key];
  const end = start + window.sizeMs;
  return window.watermark !== undefined && end <= window.watermark ? { start, end, key: inner } : undefined;
}

/**
 * A windowed stream's combine or reduce, taking `[windowStart, key]` and calling the user's
 * function with the key alone.
 *
 * @example
 * ```ts
 * const reduce = byWindow(definition.reduce);
 * ```
 */
export function byWindow<K extends Key, V, O>(
  fold: (key: K, values: V[]) => O,
): (key: Key, values: V[]) => O {
  return (key, values) => fold((key as readonly [number, K])[1], values);
}

/**
 * Checks a stream definition's `window` and `watermark`: the window, its delay, event-time
 * function and reduce, or undefined for a stream without `window`.
 *
 * @example
 * ```ts
 * const window = checkWindow(definition, 'stream "clicks"', 'append');
 * ```
 */
export function checkWindow<R, K extends Key, V, O>(
  definition: StreamDefinition<R, K, V, O>,
  where: string,
  mode: 'append' | 'update',
) {
  if (!('window' in definition) || definition.window === undefined) {
    if ('watermark' in definition && definition.watermark !== undefined) {
      throw new StreamDefinitionError(`${where}: watermark needs window: tumbling(size, time) beside it`);
    }
    return undefined;
  }
  const { window } = definition;
  if (mode !== 'append') {
    throw new StreamDefinitionError(
      `${where}: window publishes each window once, in append mode; remove mode: 'update' (running totals per window are not supported)`,
    );
  }
  if (window?.kind !== 'tumbling' || typeof window.time !== 'function') {
    throw new StreamDefinitionError(`${where}: window must be made by tumbling(size, record => eventTime)`);
  }
  if (typeof definition.reduce !== 'function') {
    throw new StreamDefinitionError(
      `${where}: a windowed stream needs reduce(key, values) returning a value of the same type, which folds a window's kept total with its new values`,
    );
  }
  if (
    definition.input.kind === 'csv' ||
    (definition.output !== undefined && definition.output.kind !== 'jsonl')
  ) {
    throw new StreamDefinitionError(
      `${where}: a windowed stream keeps its open windows as JSON Lines and reads them back with its input format: use jsonLines() or lines() input and JSON Lines output`,
    );
  }
  const delayMs = definition.watermark === undefined ? 0 : parseDelay(definition.watermark, where);
  return { sizeMs: window.sizeMs, delayMs, time: window.time, reduce: definition.reduce };
}

/** A watermark delay: a duration, or 0. */
function parseDelay(text: string | number, where: string): number {
  if (text === 0 || text === '0') return 0;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new StreamDefinitionError(`${where}: watermark: ${(error as Error).message}`);
  }
}
