import { StepmrError } from '../errors.js';
import {
  ConditionalRequestConflictError,
  ObjectNotFoundError,
  PreconditionFailedError,
  StoreRequestError,
} from './errors.js';

/** S3 error codes of throttling and transient faults (those the AWS SDKs retry, and a few more). */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'OperationAborted',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Node's codes for a connection that failed or broke off, including in the middle of a body. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** The codes S3 answers a missing object with (`NotFound` is HEAD's, which has no body). */
const MISSING_CODES = new Set(['NoSuchKey', 'NotFound']);

/** The IAM actions behind each operation, for the advice on an AccessDenied. */
const ACTIONS: Record<string, string> = {
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  CopyObject: 's3:GetObject and s3:PutObject',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
};

/**
 * Whether another attempt of a failed S3 request may succeed: throttling (429, `SlowDown`), any
 * 5xx, timeouts, and connections refused, reset or cut off mid-body.
 *
 * @example
 * ```ts
 * isRetryableS3Error(error); // true for a 503 SlowDown, false for a 403 AccessDenied
 * ```
 */
export function isRetryableS3Error(error: unknown): boolean {
  if (!isObject(error) || error.name === 'AbortError') return false;
  const status = statusOf(error);
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (RETRYABLE_CODES.has(String(error.name)) || NETWORK_CODES.has(String(error.code))) return true;
  if (error.$retryable !== undefined) return true;
  const metadata = error.$metadata;
  return isObject(metadata) && metadata.clockSkewCorrected === true;
}

/**
 * The store error for a failed S3 request: `ObjectNotFoundError` for a missing object,
 * `StoreRequestError` for any other answer of S3 or failure of the network, and anything else
 * (a failing source stream, a bug) unchanged. Errors the store already made pass through.
 *
 * @example
 * ```ts
 * throw toStoreError(error, 'GetObject', 's3://bucket/in/a.txt', 3);
 * ```
 */
export function toStoreError(error: unknown, operation: string, location: string, attempts: number): unknown {
  if (error instanceof StepmrError || !isObject(error)) return error;
  const code = codeOf(error);
  if (MISSING_CODES.has(code)) return new ObjectNotFoundError(location, { cause: error });
  const statusCode = statusOf(error);
  if (statusCode === undefined && !NETWORK_CODES.has(code) && !RETRYABLE_CODES.has(code)) return error;
  const retryable = isRetryableS3Error(error);
  return new StoreRequestError(
    {
      operation,
      location,
      code,
      statusCode,
      attempts,
      retryable,
      advice: advice(operation, code, retryable),
    },
    { cause: error },
  );
}

/**
 * S3's error code (the SDK puts it in `name`), Node's code for a network error, or the code a
 * `StoreRequestError` carries.
 *
 * @example
 * ```ts
 * if (codeOf(error) === 'InvalidRange') return Buffer.alloc(0);
 * ```
 */
export function codeOf(error: unknown): string {
  if (error instanceof StoreRequestError) return error.code;
  if (!isObject(error)) return String(error);
  if (typeof error.code === 'string' && NETWORK_CODES.has(error.code)) return error.code;
  return String(error.name);
}

/**
 * The conditional headers of a write: `If-None-Match: *` (put if absent) or `If-Match: <etag>`.
 *
 * @example
 * ```ts
 * const conditions: Conditions = { IfMatch: '"9a0364b9e99bb480dd25e1f0284c8555"' };
 * ```
 */
export type Conditions = { readonly IfNoneMatch?: '*'; readonly IfMatch?: string };

/**
 * Whether to retry a failed conditional PutObject: as {@link isRetryableS3Error}, and on 409
 * ConditionalRequestConflict (another write of the key under way), which AWS says to retry.
 *
 * @example
 * ```ts
 * isRetryableConditionalPut(conflict); // true; a 412 PreconditionFailed: false
 * ```
 */
export function isRetryableConditionalPut(error: unknown): boolean {
  return isRetryableS3Error(error) || codeOf(error) === 'ConditionalRequestConflict';
}

/**
 * The Store port's error for a failed conditional write, from what {@link toStoreError} made
 * of S3's answer: 412 PreconditionFailed (and, for `If-Match`, 404 NoSuchKey: the object is
 * gone) become `PreconditionFailedError`, 409 ConditionalRequestConflict the retryable
 * `ConditionalRequestConflictError`; anything else is returned unchanged.
 *
 * @example
 * ```ts
 * await store.put(key, body).catch((error) => { throw toConditionalError(error, location, { IfNoneMatch: '*' }); });
 * ```
 */
export function toConditionalError(error: unknown, location: string, conditions: Conditions): unknown {
  const condition = conditions.IfMatch === undefined ? 'absent' : 'match';
  const expected = conditions.IfMatch === undefined ? {} : { expected: conditions.IfMatch };
  const code = error instanceof StoreRequestError ? error.code : '';
  if (code === 'PreconditionFailed')
    return new PreconditionFailedError(location, condition, { ...expected, cause: error });
  if (condition === 'match' && error instanceof ObjectNotFoundError)
    return new PreconditionFailedError(location, condition, { ...expected, found: 'gone', cause: error });
  if (code === 'ConditionalRequestConflict' && error instanceof StoreRequestError)
    return new ConditionalRequestConflictError(location, error.operation, error.attempts, { cause: error });
  return error;
}

function statusOf(error: Record<string, unknown>): number | undefined {
  const metadata = error.$metadata;
  const status = isObject(metadata) ? metadata.httpStatusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

function advice(operation: string, code: string, retryable: boolean): string {
  if (retryable) {
    return 'S3 kept throttling or failing, or the connection kept breaking; running the task again may succeed. If it persists, lower the job concurrency.';
  }
  if (code === 'AccessDenied' || code === 'Forbidden') {
    const action = ACTIONS[operation] ?? 's3:PutObject';
    return `Check that the role may ${action} there (IAM policy, bucket policy, KMS key). S3 also answers 403 for a missing object when the role lacks s3:ListBucket.`;
  }
  if (code === 'NoSuchBucket') return 'Check the bucket name and that it exists in the client region.';
  return "See the error's cause for S3's answer.";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
