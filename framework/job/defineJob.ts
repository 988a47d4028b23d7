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

/** A job as the framework keeps it: the definition, checked. */
export type Job<R = unknown, K extends Key = Key, V = unknown, O = unknown> = JobDefinition<R, K, V, O> & {
  readonly __stepmrJob: true;
};

/**
 * Defines a job. Key and value types are inferred from your functions: annotate `reduce`
 * (or `emit` in map-only jobs) and `map`'s `emit` is checked against them.
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
export function defineJob<R, K extends Key, V, O = V>(
  definition: JobDefinition<R, K, V, O>,
): Job<R, K, V, O> {
  return Object.freeze({ ...definition, __stepmrJob: true as const });
}

/** Whether a module export is a job made by {@link defineJob}. */
export function isJob(value: unknown): value is Job {
  return (
    typeof value === 'object' && value !== null && (value as { __stepmrJob?: unknown }).__stepmrJob === true
  );
}
