export { AggregateValueError } from './errors.js';
export { addSums, roundSum } from './exactSum.js';
export type { Aggregate, MeanState, SumState } from './helpers.js';
export { count, fields, max, mean, min, sum } from './helpers.js';
