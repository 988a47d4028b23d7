import { StepmrError } from '../errors.js';

/**
 * A value an aggregation helper cannot fold: a count that is not a whole number, or a total
 * past the range where it stays exact. Not retryable: the job's `map` emits it.
 *
 * @example
 * ```ts
 * throw new AggregateValueError('count got a string: emit 1 (or a whole count) per occurrence');
 * ```
 */
export class AggregateValueError extends StepmrError {
  override readonly name = 'AggregateValueError';
}
