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

/**
 * Auth that could not be applied: a missing API key variable, an unreadable SSM parameter, no
 * region to sign for. The message names the variable or parameter, never a secret. A call that
 * meets it fails without being retried (its result has this name).
 *
 * @example
 * ```ts
 * await keys.value({ type: 'apiKey', env: 'SCORING_KEY' }); // rejects with CallAuthError when unset
 * ```
 */
export class CallAuthError extends StepmrError {
  override readonly name = 'CallAuthError';
}

/**
 * The result a delegate job published cannot be read back as one result per task (an output
 * changed while it was read). Run `delegate` again.
 *
 * @example
 * ```ts
 * throw new DelegateOutputError('s3://data/out/stepmr-delegate/d-1/part-00000 line 3 is not one result of the 40 tasks');
 * ```
 */
export class DelegateOutputError extends StepmrError {
  override readonly name = 'DelegateOutputError';
}
