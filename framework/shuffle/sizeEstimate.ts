import { packValues } from './valueCodec.js';

/**
 * A cheap estimate of the heap bytes a value holds beyond its slot; called on a sample of values.
 *
 * @example
 * ```ts
 * estimateValueBytes('hello'); // 21
 * ```
 */
export function estimateValueBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < 2 ** 30 ? 0 : 16;
    case 'string':
      return 16 + value.length;
    case 'object':
      return value === null ? 0 : 32 + 2 * packValues([value]).length;
    default:
      return 0;
  }
}
