import type { Key } from '../job/types.js';
import { AggregateValueError } from './errors.js';
import { addSums, roundSum, type SumState } from './exactSum.js';

/**
 * A ready-made `combine` and `reduce` pair: `map` emits `State` values (a plain number for
 * every helper here), `combine` folds them map-side into one `State`, `reduce` gives the
 * result `Out`. Use both halves together.
 *
 * @example
 * ```ts
 * const total: Aggregate<SumState, number> = sum;
 * defineJob({ input: lines(), map: (l, emit) => emit(l, l.length), combine: total.combine, reduce: total.reduce });
 * ```
 */
export interface Aggregate<State, Out> {
  /** Folds any subset of a key's values into one; associative and commutative. */
  combine(key: Key, values: State[]): State;
  /** Folds all of a key's values into its result. */
  reduce(key: Key, values: State[]): Out;
}

export type { SumState } from './exactSum.js';

/**
 * The sum of numbers, exactly rounded: the float nearest the exact sum of every value
 * emitted, the same bits whatever the split size, the reducers or the order (Shewchuk's
 * partials, as Python's `math.fsum`). `map` emits numbers; between combine and reduce the
 * state may be a short array of partials. NaN and infinities end as IEEE addition does.
 *
 * @example
 * ```ts
 * import { defineJob, jsonLines, sum } from 'stepmr';
 *
 * export default defineJob({
 *   input: jsonLines<{ customer: string; amount: number }>(),
 *   map: (order, emit) => emit(order.customer, order.amount),
 *   combine: sum.combine,
 *   reduce: sum.reduce, // number, exact to the last bit
 * });
 * ```
 */
export const sum: Aggregate<SumState, number> = {
  combine: (_key, values) => addSums(values),
  reduce: (_key, values) => roundSum(addSums(values)),
};

/**
 * How many values a key had: `map` emits 1 per occurrence (or any whole count). Fails, saying
 * what kind of value it got, on a count that is not a whole number or a total past 2^53.
 *
 * @example
 * ```ts
 * defineJob({ input: lines(), map: (line, emit) => emit(line, 1), combine: count.combine, reduce: count.reduce });
 * ```
 */
export const count: Aggregate<number, number> = {
  combine: (_key, values) => addCounts(values),
  reduce: (_key, values) => addCounts(values),
};

/**
 * The fold of one value at a time that `combine` repeats, for the helpers whose `combine` is
 * one (`count`, `min`, `max`): the map-side buffer then folds each value as it arrives.
 * Undefined for others.
 *
 * @example
 * ```ts
 * const step = combineStepOf(count.combine); // step(2, 1) === 3
 * ```
 */
export function combineStepOf(combine: unknown): ((folded: never, value: never) => unknown) | undefined {
  if (combine === count.combine) return addTwoCounts;
  if (combine === min.combine) return smaller;
  if (combine === max.combine) return larger;
  return undefined;
}

/** `extreme` of two values, with Math.min: -0 counts as 0, NaN if either is. */
function smaller(folded: number, value: number): number {
  const out = Math.min(folded, value);
  return out === 0 ? 0 : out;
}

/** `extreme` of two values, with Math.max. */
function larger(folded: number, value: number): number {
  const out = Math.max(folded, value);
  return out === 0 ? 0 : out;
}

function addTwoCounts(folded: number, value: number): number {
  if (!Number.isSafeInteger(folded) || folded < 0) throw notACount(folded);
  if (!Number.isSafeInteger(value) || value < 0) throw notACount(value);
  const total = folded + value;
  if (!Number.isSafeInteger(total)) {
    throw new AggregateValueError('a count passed 2^53, past which numbers are not exact');
  }
  return total;
}

function notACount(v: unknown): AggregateValueError {
  return new AggregateValueError(`count got ${describe(v)}: emit 1 (or a whole count) per occurrence`);
}

function addCounts(values: readonly number[]): number {
  let total = 0;
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new AggregateValueError(`count got ${describe(v)}: emit 1 (or a whole count) per occurrence`);
    }
    total += v;
  }
  if (!Number.isSafeInteger(total)) {
    throw new AggregateValueError('a count passed 2^53, past which numbers are not exact');
  }
  return total;
}

/**
 * The smallest number of a key (`-0` counts as `0`, as the shuffle encodes it; NaN if any is).
 *
 * @example
 * ```ts
 * defineJob({ input: csv(), map: (r, emit) => emit(r.city, Number(r.temp)), combine: min.combine, reduce: min.reduce });
 * ```
 */
export const min: Aggregate<number, number> = {
  combine: (_key, values) => extreme(values, Math.min),
  reduce: (_key, values) => extreme(values, Math.min),
};

/**
 * The largest number of a key (`-0` counts as `0`; NaN if any is).
 *
 * @example
 * ```ts
 * defineJob({ input: csv(), map: (r, emit) => emit(r.city, Number(r.temp)), combine: max.combine, reduce: max.reduce });
 * ```
 */
export const max: Aggregate<number, number> = {
  combine: (_key, values) => extreme(values, Math.max),
  reduce: (_key, values) => extreme(values, Math.max),
};

function extreme(values: readonly number[], pick: (...v: number[]) => number): number {
  let out = values[0] ?? Number.NaN;
  for (let i = 1; i < values.length; i++) out = pick(out, values[i] as number);
  return out === 0 ? 0 : out;
}

/**
 * The state of {@link mean}: a number emitted by `map`, or a sum and how many were added.
 *
 * @example
 * ```ts
 * const state: MeanState = mean.combine('k', [1, 2, 4]); // { sum: 7, count: 3 }
 * ```
 */
export type MeanState = number | { readonly sum: SumState; readonly count: number };

/**
 * The mean of a key's numbers: their exactly rounded sum divided by their count, so the same
 * bits whatever the grouping. `map` emits numbers.
 *
 * @example
 * ```ts
 * defineJob({ input: csv(), map: (r, emit) => emit(r.city, Number(r.temp)), combine: mean.combine, reduce: mean.reduce });
 * ```
 */
export const mean: Aggregate<MeanState, number> = {
  combine: (_key, values) => addMeans(values),
  reduce: (_key, values) => {
    const total = addMeans(values);
    return typeof total === 'number' ? roundSum(total) : roundSum(total.sum) / total.count;
  },
};

function addMeans(values: readonly MeanState[]): MeanState {
  if (values.length === 1 && typeof values[0] === 'number') return values[0];
  const sums: SumState[] = [];
  let n = 0;
  for (const v of values) {
    if (typeof v === 'number') {
      sums.push(v);
      n += 1;
    } else {
      sums.push(v.sum);
      n += v.count;
    }
  }
  return { sum: addSums(sums), count: n };
}

/** Any aggregate, whatever its state (method parameters are checked both ways). */
interface SomeAggregate {
  combine(key: Key, values: never[]): unknown;
  reduce(key: Key, values: never[]): unknown;
}

/** The states and results of a {@link fields} aggregate, field by field. */
type StatesOf<A> = { [F in keyof A]: A[F] extends Aggregate<infer S, unknown> ? S : never };
type ResultsOf<A> = { [F in keyof A]: A[F] extends Aggregate<unknown, infer O> ? O : never };

/**
 * One aggregate over objects, one helper per field: `map` emits an object with a value for
 * every field, the result has each field's result.
 *
 * @example
 * ```ts
 * const traffic = fields({ requests: count, bytes: sum });
 * defineJob({
 *   input: lines(),
 *   map: (line, emit) => emit(line.split(' ')[6] ?? '', { requests: 1, bytes: line.length }),
 *   combine: traffic.combine,
 *   reduce: traffic.reduce, // { requests: number; bytes: number }
 * });
 * ```
 */
export function fields<A extends Record<string, SomeAggregate>>(
  aggregates: A,
): Aggregate<StatesOf<A>, ResultsOf<A>> {
  const names = Object.keys(aggregates);
  const each = (key: Key, values: StatesOf<A>[], step: 'combine' | 'reduce') => {
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const column = values.map((v) => (v as Record<string, unknown>)[name]);
      out[name] = (aggregates[name] as Aggregate<unknown, unknown>)[step](key, column);
    }
    return out;
  };
  return {
    combine: (key, values) => each(key, values, 'combine') as StatesOf<A>,
    reduce: (key, values) => each(key, values, 'reduce') as ResultsOf<A>,
  };
}

/** The kind of a value that is not a count, never the value itself (it may be data). */
function describe(v: unknown): string {
  if (typeof v !== 'number') return `a ${v === null ? 'null' : typeof v}`;
  if (Number.isNaN(v)) return 'NaN';
  if (v < 0) return 'a negative number';
  return Number.isInteger(v) ? 'a number past 2^53' : 'a number with a fraction';
}
