import { StepmrError } from '../errors.js';

/**
 * An estimate that cannot be made as asked: a region with no prices, or options that make no
 * job. The message says which and what to choose instead.
 *
 * @example
 * ```ts
 * estimateJob(shape, { region: 'mars-1' }); // throws EstimateError naming the regions priced
 * ```
 */
export class EstimateError extends StepmrError {
  override readonly name = 'EstimateError';
}
