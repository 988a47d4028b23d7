import { S3Client } from '@aws-sdk/client-s3';
import { registerS3Opener, S3Store } from '../../store/S3Store.js';

let shared: S3Client | undefined;
let reporting: S3Client | undefined;

/**
 * The user agent of the reads a report of a job makes (its plan, its splits, the listing of
 * its map outputs): they are the watcher's requests, not the job's, and a request log (or the
 * offline cloud's counter) tells them apart by it.
 *
 * @example
 * ```ts
 * const watcher = String(req.headers['x-amz-user-agent'] ?? '').includes(STATUS_USER_AGENT);
 * ```
 */
export const STATUS_USER_AGENT = 'stepmr-status';

/**
 * The S3 client of this process, built once from the standard AWS configuration: region,
 * credentials and profile as the SDK finds them, the endpoint from `AWS_ENDPOINT_URL_S3` (or
 * `AWS_ENDPOINT_URL`), checksums from `AWS_REQUEST_CHECKSUM_CALCULATION`. With a custom
 * endpoint (an S3-compatible server such as the offline cloud's), requests use path-style
 * addressing. The SDK does not retry (`maxAttempts: 1`): S3Store retries with its own backoff.
 *
 * @example
 * ```ts
 * const store = new S3Store({ client: s3Client(), bucket: 'data' });
 * ```
 */
export function s3Client(): S3Client {
  if (!shared) {
    const custom = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
    shared = new S3Client({ maxAttempts: 1, ...(custom ? { forcePathStyle: true } : {}) });
  }
  return shared;
}

/**
 * Makes `s3://` URIs open as S3Stores everywhere a path is taken (inputs, outputs, job work),
 * through {@link s3Client}. Safe to call more than once.
 *
 * @example
 * ```ts
 * useS3();
 * const { store, key } = openUri('s3://data/corpus/a.txt');
 * ```
 */
export function useS3(): void {
  registerS3Opener(() => s3Client());
}

/**
 * The Store of a whole bucket.
 *
 * @example
 * ```ts
 * const work = bucketStore('my-stack-data');
 * ```
 */
export function bucketStore(bucket: string): S3Store {
  return new S3Store({ client: s3Client(), bucket });
}

/**
 * The Store of a bucket for the reads of a report (`stepmr status`, `--watch`, `--wait`): the
 * same configuration as {@link s3Client}, its requests marked with {@link STATUS_USER_AGENT}.
 *
 * @example
 * ```ts
 * const work = statusStore('my-stack-data');
 * ```
 */
export function statusStore(bucket: string): S3Store {
  if (!reporting) {
    const custom = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
    reporting = new S3Client({
      maxAttempts: 1,
      customUserAgent: STATUS_USER_AGENT,
      ...(custom ? { forcePathStyle: true } : {}),
    });
  }
  return new S3Store({ client: reporting, bucket });
}
