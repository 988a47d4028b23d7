import { StepmrError } from '../errors.js';

/**
 * An object that a store was asked to read does not exist.
 *
 * @example
 * ```ts
 * try {
 *   await store.get('missing.txt');
 * } catch (error) {
 *   if (error instanceof ObjectNotFoundError) console.error(error.location);
 * }
 * ```
 */
export class ObjectNotFoundError extends StepmrError {
  override readonly name = 'ObjectNotFoundError';
  /** The object's full location: a file path or `s3://bucket/key`. */
  readonly location: string;

  constructor(location: string, options: { cause?: unknown } = {}) {
    super(
      `No object at ${location}. Check the path or key; if another task writes it, check that task succeeded.`,
      options,
    );
    this.location = location;
  }
}

/**
 * A store key that is empty, absolute, has empty, `.` or `..` segments, or would otherwise
 * leave the store's root.
 *
 * @example
 * ```ts
 * await store.put('../outside.txt', 'x'); // rejects with InvalidKeyError
 * ```
 */
export class InvalidKeyError extends StepmrError {
  override readonly name = 'InvalidKeyError';
  readonly key: string;

  constructor(key: string, reason: string, root: string) {
    super(
      `Invalid store key ${JSON.stringify(key)} in ${root}: ${reason}. Keys are relative, '/'-separated paths such as 'out/part-00000.jsonl'.`,
    );
    this.key = key;
  }
}

/**
 * A byte range with a negative start or an end before its start.
 *
 * @example
 * ```ts
 * await store.getRange('a.txt', { start: 10, end: 5 }); // rejects with InvalidRangeError
 * ```
 */
export class InvalidRangeError extends StepmrError {
  override readonly name = 'InvalidRangeError';

  constructor(location: string, start: number, end: number) {
    super(
      `Invalid byte range [${start}, ${end}) for ${location}: start must be a non-negative integer and end >= start.`,
    );
  }
}

/**
 * A string that is neither a local path nor a `file://` or `s3://` URI stepmr understands.
 *
 * @example
 * ```ts
 * parseUri('http://example.com/data.txt'); // throws InvalidUriError
 * ```
 */
export class InvalidUriError extends StepmrError {
  override readonly name = 'InvalidUriError';
  readonly uri: string;

  constructor(uri: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      `Cannot use ${JSON.stringify(uri)}: ${reason}. Use a local path, a file:///absolute/path URI or s3://bucket/key.`,
      options,
    );
    this.uri = uri;
  }
}

/**
 * A URI scheme whose store is not available in this runtime (for example `s3://` before the
 * AWS runtime registered its store with `registerStoreOpener`).
 *
 * @example
 * ```ts
 * openUri('s3://bucket/data.txt'); // throws StoreNotAvailableError in the embedded runtime
 * ```
 */
export class StoreNotAvailableError extends StepmrError {
  override readonly name = 'StoreNotAvailableError';

  constructor(uri: string, scheme: string) {
    super(
      `Cannot open ${uri}: ${scheme}:// storage is not available in this runtime. Use local paths with the embedded runtime, or run on the AWS runtime for ${scheme}:// inputs.`,
    );
  }
}

/**
 * A storage request failed: the store refused it (403 AccessDenied, a missing bucket…), or it
 * kept failing with throttling, 5xx or network errors through every retry. `retryable` says
 * whether running the work again may succeed; the message names the operation, the object,
 * S3's error code and how many attempts were made.
 *
 * @example
 * ```ts
 * try {
 *   await store.put('out/part-00000', body);
 * } catch (error) {
 *   if (error instanceof StoreRequestError && error.retryable) scheduleRetry();
 * }
 * ```
 */
export class StoreRequestError extends StepmrError {
  override readonly name = 'StoreRequestError';
  /** The S3 operation, such as `GetObject`. */
  readonly operation: string;
  /** The object (or, for listings, the prefix) as an `s3://` URI. */
  readonly location: string;
  /** S3's error code (`AccessDenied`, `SlowDown`…) or Node's (`ECONNRESET`…). */
  readonly code: string;
  /** The HTTP status of the last answer; undefined when none came (a network error). */
  readonly statusCode: number | undefined;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(
    failure: {
      readonly operation: string;
      readonly location: string;
      readonly code: string;
      readonly statusCode: number | undefined;
      readonly attempts: number;
      readonly retryable: boolean;
      /** What to do about it, one or two sentences. */
      readonly advice: string;
    },
    options: { cause?: unknown } = {},
  ) {
    const status = failure.statusCode === undefined ? '' : ` (HTTP ${failure.statusCode})`;
    const attempts = failure.attempts === 1 ? '1 attempt' : `${failure.attempts} attempts`;
    super(
      `${failure.operation} of ${failure.location} failed with ${failure.code}${status} after ${attempts}. ${failure.advice}`,
      { ...options, retryable: failure.retryable },
    );
    this.operation = failure.operation;
    this.location = failure.location;
    this.code = failure.code;
    this.statusCode = failure.statusCode;
    this.attempts = failure.attempts;
  }
}
