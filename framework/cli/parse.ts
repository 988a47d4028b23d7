import { InvalidArgumentError } from 'commander';
import { parseTolerance, type Tolerance } from '../job/options.js';
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

/** Commander parser for a whole number, 0 or more. */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new InvalidArgumentError(`${name} must be a whole number, 0 or more, got "${value}"`);
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

/** Commander parser for a size of at least one byte: `0` is refused, never taken as the default. */
export function positiveSize(name: string) {
  const parse = size(name);
  return (value: string): number => {
    const bytes = parse(value);
    if (bytes < 1) {
      throw new InvalidArgumentError(
        `${name} must be at least 1 byte, got "${value}": write a size such as 8MB, or leave ${name} out for the default`,
      );
    }
    return bytes;
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

/** Commander parser for `--tolerate`: a percentage (`5%`) or a count (`3`) of map tasks. */
export function tolerance(value: string): Tolerance {
  const parsed = parseTolerance(value);
  if (!parsed) {
    throw new InvalidArgumentError(
      `--tolerate takes a percentage of map tasks such as 5% (0 to 100) or a number of map tasks such as 3, got "${value}"`,
    );
  }
  return parsed;
}

/** Commander parser for `--max-failed`: a percentage (`1%`) or a count (`10`) of delegated calls. */
export function maxFailed(value: string): Tolerance {
  const parsed = parseTolerance(value);
  if (!parsed) {
    throw new InvalidArgumentError(
      `--max-failed takes a number of calls such as 10 or a percentage of them such as 1% (0 to 100), got "${value}"`,
    );
  }
  return parsed;
}

/** Commander parser for a duration: `30s`, `500ms`, or a number of seconds; returns ms. */
export function duration(name: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
    const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : 1000) : Number.NaN;
    if (!(ms >= 1) || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(
        `${name} takes a duration such as 30s, 500ms or 10 (seconds), got "${value}"`,
      );
    }
    return Math.round(ms);
  };
}

/** Commander parser for `--rate`: calls per second, such as `50` or `50/s`. */
export function rate(value: string): number {
  const n = Number(value.trim().replace(/\/s$/, ''));
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`--rate takes calls per second such as 50 or 50/s, got "${value}"`);
  }
  return n;
}
