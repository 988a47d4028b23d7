import { StepmrError } from '../errors.js';

/**
 * A task builder was given something it cannot call: a URL that is not absolute `http:` or
 * `https:`, a path that escapes its API, a function name that is not one.
 *
 * @example
 * ```ts
 * gateway('ftp://example.com'); // throws InvalidTaskError naming 'ftp://example.com'
 * ```
 */
export class InvalidTaskError extends StepmrError {
  override readonly name = 'InvalidTaskError';
}

/**
 * Options of `delegate()` or `runCalls()` that are out of range (a concurrency of 0, a job id
 * that cannot be part of an `Idempotency-Key`).
 *
 * @example
 * ```ts
 * await delegate(tasks, { concurrency: 0 }); // rejects with InvalidCallPolicyError
 * ```
 */
export class InvalidCallPolicyError extends StepmrError {
  override readonly name = 'InvalidCallPolicyError';
}
