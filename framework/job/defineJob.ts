import type { DelegateResult, DelegateTask } from '../delegate/types.js';
import type { RunOptions } from './options.js';
import type { InputFormat, Key, OutputFormat } from './types.js';

/** Hands one key/value pair from `map` to the framework. */
export type Emit<K extends Key, V> = (key: K, value: V) => void;

/** What `map` knows about the record in hand. */
export interface MapContext {
  /** The input object, as a URI (`file:///…` or `s3://…`). */
  readonly uri: string;
  /** Byte offset of the record in the (uncompressed) object. */
  readonly offset: number;
  /** 1-based line number, when known (splits that start at byte 0). */
  readonly line: number | undefined;
}

/** Options of a job; each can be overridden on the command line. */
export interface JobOptions {
  /** Number of reduce partitions, and so of output parts. @default 4 */
  readonly reducers?: number;
  /** Bytes per input split. @default 32 MiB */
  readonly splitSize?: number;
  /** Map-side buffer size before sorted runs spill to disk. @default 256 MiB */
  readonly memoryBudget?: number;
  /** Longest record accepted, in bytes. @default 8 MiB */
  readonly maxRecordBytes?: number;
}

/**
 * A MapReduce job. `R` is the input record, `K`/`V` the intermediate key and value, `O` the
 * value written for each key (the reducer's result, or `V` for jobs without a reducer).
 */
export interface JobDefinition<R, K extends Key, V, O> {
  /** A name for logs and the state machine; defaults to the module's folder name. */
  readonly name?: string;
  /** How input bytes become records. */
  readonly input: InputFormat<R>;
  /** Called once per record; emits zero or more key/value pairs. */
  map(record: R, emit: Emit<K, V>, ctx: MapContext): void | Promise<void>;
  /** Folds values of one key into one, map-side; must be associative and commutative. */
  combine?(key: K, values: V[]): V;
  /** Folds all values of one key into the result. Without it the job is map-only. */
  reduce?(key: K, values: V[]): O;
  /** How results are written. @default jsonLinesOutput() */
  readonly output?: OutputFormat;
  readonly options?: JobOptions;
}

/**
 * A job whose records become delegated calls: `delegate` turns each record into one task (an
 * HTTP call or a Lambda invocation), and the results, in input order, are the job's output, or
 * feed `map` (and `reduce`) as any job's records do.
 *
 * @example
 * ```ts
 * const scoring: DelegateJobDefinition<Applicant, string, number, number> = {
 *   input: jsonLines<Applicant>(),
 *   delegate: (a) => http('https://api.example.com/score').post(a),
 *   map: (result, emit) => emit(result.ok ? 'ok' : 'failed', 1),
 *   reduce: (_k, n) => n.length,
 * };
 * ```
 */
export interface DelegateJobDefinition<R, K extends Key, V, O> {
  readonly name?: string;
  readonly input: InputFormat<R>;
  /** Called once per record: the call to make for it. */
  delegate(record: R): DelegateTask;
  /**
   * Called once per result, in input order within each batch of calls. Without it (and without
   * `reduce`) the output is the result dataset itself: one `DelegateResult` per input record.
   */
  map?(result: DelegateResult, emit: Emit<K, V>): void | Promise<void>;
  combine?(key: K, values: V[]): V;
  /** Folds all values of one key; needs `map`. */
  reduce?(key: K, values: V[]): O;
  readonly output?: OutputFormat;
  readonly options?: JobOptions;
}

/**
 * How a delegate job's records become calls, as the framework keeps it.
 *
 * @example
 * ```ts
 * const task = job.delegate?.task(record);
 * ```
 */
export interface DelegateStage {
  /** Builds the task of one record. */
  task(record: unknown): DelegateTask;
  /** `results`: the output is the result dataset; `map`: the results feed the job's map. */
  readonly output: 'results' | 'map';
  /** The definition's own call options (a stream's `calls`); a run's options override them. */
  readonly calls?: CallLimits;
}

/**
 * The call options a definition may carry, as the run options name them: a stream's batches
 * have no command line, so a delegating stream sets them here.
 *
 * @example
 * ```ts
 * const calls: CallLimits = { concurrency: 32, ratePerSecond: 50, maxFailed: { count: 5 } };
 * ```
 */
export type CallLimits = Pick<
  RunOptions,
  'callTimeoutMs' | 'callRetries' | 'concurrency' | 'ratePerSecond' | 'maxFailed' | 'callsPerTask'
>;

/** A job as the framework keeps it: the definition, checked. */
export type Job<R = unknown, K extends Key = Key, V = unknown, O = unknown> = JobDefinition<R, K, V, O> & {
  readonly __stepmrJob: true;
  /** Set for a delegate job: its `map` then runs over the results of the calls. */
  readonly delegate?: DelegateStage;
};

/**
 * Defines a job. Key and value types are inferred from your functions: annotate `reduce`
 * (or `emit` in map-only jobs) and `map`'s `emit` is checked against them. A job with
 * `delegate` (see {@link DelegateJobDefinition}) turns each record into a call; its `map`, if
 * any, then receives each call's `DelegateResult`, and without one the output is the results.
 *
 * @example
 * ```ts
 * import { defineJob, lines } from 'stepmr';
 *
 * export default defineJob({
 *   input: lines(),
 *   map(line, emit) {
 *     for (const word of line.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) emit(word, 1);
 *   },
 *   combine: (_word, counts) => counts.reduce((a, b) => a + b, 0),
 *   reduce: (_word: string, counts: number[]) => counts.reduce((a, b) => a + b, 0),
 * });
 * ```
 */
export function defineJob<R, K extends Key = number, V = DelegateResult, O = V>(
  definition: DelegateJobDefinition<R, K, V, O>,
): Job<R, K, V, O>;
export function defineJob<R, K extends Key, V, O = V>(definition: JobDefinition<R, K, V, O>): Job<R, K, V, O>;
export function defineJob<R, K extends Key, V, O>(
  definition: JobDefinition<R, K, V, O> | DelegateJobDefinition<R, K, V, O>,
): Job<R, K, V, O> {
  if (!('delegate' in definition)) return Object.freeze({ ...definition, __stepmrJob: true as const });
  return Object.freeze(delegateJob(definition));
}

/**
 * A delegate job in the framework's shape: its `map` receives results (see the delegate
 * stage), and without one, each result is emitted under its index. `defineStream` makes a
 * delegating stream's job with it, passing the stream's `calls`.
 *
 * @example
 * ```ts
 * const job = delegateJob({ input: jsonLines<Applicant>(), delegate: (a) => scoring.post(a) });
 * ```
 */
export function delegateJob<R, K extends Key, V, O>(
  definition: DelegateJobDefinition<R, K, V, O>,
  calls?: CallLimits,
): Job<R, K, V, O> {
  const { delegate, map, ...rest } = definition;
  if (rest.reduce && !map) {
    throw new TypeError(`job ${definition.name ?? ''}: reduce needs a map over the delegated results`);
  }
  const overResults =
    map ?? ((result: DelegateResult, emit: Emit<K, V>) => emit(result.index as K, result as V));
  return {
    ...rest,
    map: overResults as unknown as JobDefinition<R, K, V, O>['map'],
    delegate: {
      task: delegate as (record: unknown) => DelegateTask,
      output: map ? 'map' : 'results',
      ...(calls ? { calls } : {}),
    },
    __stepmrJob: true as const,
  };
}

/** Whether a module export is a job made by {@link defineJob}. */
export function isJob(value: unknown): value is Job {
  return (
    typeof value === 'object' && value !== null && (value as { __stepmrJob?: unknown }).__stepmrJob === true
  );
}
