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

/**
 * A conditional write whose condition did not hold, so nothing was written: `putIfAbsent`
 * found an object at its key, or `compareAndSwap` found the object changed or gone. Another
 * writer got there first; running the same write again fails the same way, so it is not
 * retryable: read the object again and decide.
 *
 * @example
 * ```ts
 * try {
 *   await store.putIfAbsent('log/00000007.json', entry);
 * } catch (error) {
 *   if (error instanceof PreconditionFailedError) return; // another writer made entry 7
 *   throw error;
 * }
 * ```
 */
export class PreconditionFailedError extends StepmrError {
  override readonly name = 'PreconditionFailedError';
  /** The object's full location: a file path or `s3://bucket/key`. */
  readonly location: string;
  /** `'absent'` for `putIfAbsent`, `'match'` for `compareAndSwap`. */
  readonly condition: 'absent' | 'match';

  constructor(
    location: string,
    condition: 'absent' | 'match',
    options: { readonly expected?: string; readonly found?: string; readonly cause?: unknown } = {},
  ) {
    const found = options.found === undefined ? 'it changed or is gone' : `it is now ${options.found}`;
    super(
      condition === 'absent'
        ? `putIfAbsent of ${location} failed: an object is already there, so nothing was written. Another writer created it first; read it with getVersioned, or write under another key.`
        : `compareAndSwap of ${location} failed: its etag is no longer ${options.expected ?? '(none given)'} (${found}), so nothing was written. Another writer changed it; read it again with getVersioned, apply your change to what you read, and swap with the new etag.`,
      { cause: options.cause },
    );
    this.location = location;
    this.condition = condition;
  }
}

/**
 * S3 answered a conditional write with `409 ConditionalRequestConflict`: another write of the
 * same key was under way at that moment. AWS documents it as retryable (for a compare-and-swap:
 * after reading the etag again); the store retries a single PutObject by itself, so this
 * reaches a caller when the conflicts outlast its retries, or from a multipart upload (which S3
 * says to start over).
 *
 * @example
 * ```ts
 * if (error instanceof ConditionalRequestConflictError && error.retryable) await tryAgain();
 * ```
 */
export class ConditionalRequestConflictError extends StepmrError {
  override readonly name = 'ConditionalRequestConflictError';
  readonly location: string;

  constructor(location: string, operation: string, attempts: number, options: { cause?: unknown } = {}) {
    super(
      `${operation} of ${location} failed with 409 ConditionalRequestConflict after ${attempts === 1 ? '1 attempt' : `${attempts} attempts`}: another write of this key was under way. Write again (for a compare-and-swap, read the object's etag again first).`,
      { ...options, retryable: true },
    );
    this.location = location;
  }
}

/**
 * A `FileStore` compare-and-swap could not hold the key's lock file: it waited longer than
 * its `lockWaitMs` for another writer, or held the lock so long (past `lockStaleMs`) that
 * others may have taken it as abandoned. Nothing was written; writing again may succeed.
 *
 * @example
 * ```ts
 * if (error instanceof StoreLockError) console.error(error.lockFile); // who holds it is in the message
 * ```
 */
export class StoreLockError extends StepmrError {
  override readonly name = 'StoreLockError';
  /** The lock file, next to the object. */
  readonly lockFile: string;

  constructor(lockFile: string, reason: string) {
    super(
      `compareAndSwap could not hold the lock ${lockFile}: ${reason}. Nothing was written; write again. If no process is writing this key, remove the lock file.`,
      { retryable: true },
    );
    this.lockFile = lockFile;
  }
}
