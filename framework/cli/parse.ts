import { InvalidArgumentError } from 'commander';
import { parseSize } from '../plan/index.js';

/** Commander parser for a positive integer option. */
export function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** Commander parser for a size such as `8MB`, `512KiB` or `1048576`. */
export function size(name: string) {
  return (value: string): number => {
    try {
      return parseSize(value);
    } catch (error) {
      throw new InvalidArgumentError(`${name}: ${(error as Error).message}`);
    }
  };
}

/** Commander parser for one of a fixed set of words. */
export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}
