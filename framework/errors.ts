/**
 * The root of every error stepmr throws. The `name` is a contract: Step Functions `Retry` and
 * `Catch` match a Lambda's `errorType`, which is the error's name, so names never change.
 *
 * @example
 * ```ts
 * class ShuffleCorruptError extends StepmrError {
 *   override readonly name = 'ShuffleCorruptError';
 * }
 * ```
 */
export class StepmrError extends Error {
  override readonly name: string = 'StepmrError';
  /** Whether running the same work again may succeed (throttling, a lost worker, a 5xx). */
  readonly retryable: boolean;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}
