import { StatesError } from '../errors.js';
import type { EngineLimits } from '../limits.js';
import type { IntrinsicCall } from './parser.js';

/**
 * What intrinsic functions may use besides their arguments.
 *
 * @example
 * ```ts
 * const env: IntrinsicEnv = { random: Math.random, limits: DEFAULT_LIMITS };
 * ```
 */
export interface IntrinsicEnv {
  readonly random: () => number;
  readonly limits: EngineLimits;
}

/**
 * An intrinsic function: evaluated argument values in, a JSON value out.
 *
 * @example
 * ```ts
 * const length: IntrinsicFn = (args) => (args[0] as unknown[]).length;
 * ```
 */
export type IntrinsicFn = (args: unknown[], env: IntrinsicEnv, call: IntrinsicCall) => unknown;

/**
 * Fails the call with `States.IntrinsicFailure`.
 *
 * @example
 * ```ts
 * if (!Array.isArray(a)) intrinsicFailure('States.ArrayLength', 'the argument must be an array');
 * ```
 */
export function intrinsicFailure(name: string, what: string): never {
  throw new StatesError(
    'States.IntrinsicFailure',
    `Invalid arguments in the intrinsic function ${name}: ${what}.`,
  );
}

/**
 * Checks the number of arguments.
 *
 * @example
 * ```ts
 * arity('States.ArrayLength', args, 1);
 * ```
 */
export function arity(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    intrinsicFailure(name, `expected ${want} arguments, got ${args.length}`);
  }
}

/**
 * An argument that must be an array.
 *
 * @example
 * ```ts
 * const items = arrayArg('States.ArrayLength', args[0]);
 * ```
 */
export function arrayArg(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) intrinsicFailure(name, `expected an array, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * An argument that must be a string, at most `max` characters long.
 *
 * @example
 * ```ts
 * const text = stringArg('States.Base64Encode', args[0], 10_000);
 * ```
 */
export function stringArg(name: string, value: unknown, max = Number.POSITIVE_INFINITY): string {
  if (typeof value !== 'string') intrinsicFailure(name, `expected a string, got ${JSON.stringify(value)}`);
  if (value.length > max) intrinsicFailure(name, `the string is longer than ${max} characters`);
  return value;
}

/**
 * An argument that must be a number, rounded to the nearest integer as AWS does (half up,
 * like Java's `Math.round`).
 *
 * @example
 * ```ts
 * integerArg('States.MathAdd', 1.5); // 2
 * ```
 */
export function integerArg(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    intrinsicFailure(name, `expected a number, got ${JSON.stringify(value)}`);
  }
  return Math.round(value);
}

/**
 * JSON equality of two values (objects compared key by key, in any order).
 *
 * @example
 * ```ts
 * jsonEquals({ a: 1, b: 2 }, { b: 2, a: 1 }); // true
 * ```
 */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEquals((a as never)[k], (b as never)[k]));
}
