import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidUriError, ObjectNotFoundError } from './errors.js';
import type { ByteRange, ObjectInfo, Store, VersionedObject } from './Store.js';
import {
  type Conditions,
  codeOf,
  isRetryableConditionalPut,
  isRetryableS3Error,
  toConditionalError,
  toStoreError,
} from './s3Errors.js';
import { checkKey, checkRange, copySource, rangeHeader } from './s3Keys.js';
import {
  DEFAULT_RETRY_DEPS,
  DEFAULT_RETRY_POLICY,
  type RetryDeps,
  type RetryEvent,
  type RetryPolicy,
  withRetry,
} from './s3Retry.js';
import { registerStoreOpener } from './uri.js';

let sdkLoaded: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
/**
 * The S3 client's commands, loaded on first use: a program that imports stepmr (a job file, a
 * worker) but never touches S3 does not pay for loading the SDK.
 */
const sdk = () => {
  sdkLoaded ??= import('@aws-sdk/client-s3');
  return sdkLoaded;
};

/** The most keys one DeleteObjects request takes. */
const DELETE_BATCH = 1000;

/**
 * Options of an {@link S3Store}.
 *
 * @example
 * ```ts
 * const options: S3StoreOptions = { client: new S3Client({ maxAttempts: 1 }), bucket: 'data', prefix: 'jobs' };
 * ```
 */
export interface S3StoreOptions {
  /** The client every request goes through. Give it `maxAttempts: 1`: the store retries itself. */
  readonly client: S3Client;
  readonly bucket: string;
  /** Where the store's root is in the bucket; keys live under it. @default '' (the bucket's root) */
  readonly prefix?: string;
  /** Backoff of retried requests. @default DEFAULT_RETRY_POLICY (8 attempts, 100 ms base, 10 s cap) */
  readonly retry?: Partial<RetryPolicy>;
  /** Sleep and randomness of the backoff. @default real time and Math.random */
  readonly deps?: Partial<RetryDeps>;
  /** Called before each retry, for logs and metrics. @default none */
  readonly onRetry?: (event: RetryEvent) => void;
}

/**
 * A {@link Store} over an S3 bucket and prefix. `put` of a Buffer or string is one PutObject;
 * a stream goes through a multipart upload (8 MiB parts, 4 in flight) that is aborted if it
 * fails, so either form is atomic. `list` pages through ListObjectsV2, `delete` sends
 * DeleteObjects in batches of 1,000, `move` is CopyObject then DeleteObject (CopyObject takes
 * objects up to 5 GB).
 *
 * Every request is retried on throttling, 5xx and network errors (a body cut off midway
 * included, for `get` and `getRange`) with capped exponential backoff and full jitter; build
 * the client with `maxAttempts: 1` so that the SDK's own retries do not multiply these. A
 * missing object rejects with `ObjectNotFoundError`, any other failure with
 * `StoreRequestError`, both naming the `s3://` URI.
 *
 * `putIfAbsent` and `compareAndSwap` send `If-None-Match: *` and `If-Match: <etag>` on the
 * PutObject (or, for a stream past one part, on the CompleteMultipartUpload). S3's 412
 * PreconditionFailed (and, for `If-Match`, its 404 for a missing object) rejects with
 * `PreconditionFailedError`; its 409 ConditionalRequestConflict (another write under way) is
 * retried like a 503 on a single PutObject, as AWS advises, and otherwise rejects with the
 * retryable `ConditionalRequestConflictError`.
 *
 * @example
 * ```ts
 * const store = new S3Store({ client: new S3Client({ maxAttempts: 1 }), bucket: 'data', prefix: 'jobs' });
 * await store.put('1/job.json', JSON.stringify({ id: 1 })); // s3://data/jobs/1/job.json
 * ```
 */
export class S3Store implements Store {
  readonly url: string;
  readonly bucket: string;
  /** The prefix of every key in the bucket: `''` or ending in `/`. */
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #policy: RetryPolicy;
  readonly #deps: RetryDeps;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: S3StoreOptions) {
    const { bucket } = options;
    if (bucket === '' || bucket.includes('/'))
      throw new InvalidUriError(`s3://${bucket}/`, 'it names no bucket');
    const root = (options.prefix ?? '').replace(/\/+$/, '');
    if (root !== '') checkKey(root, `s3://${bucket}/`, false);
    this.bucket = bucket;
    this.prefix = root === '' ? '' : `${root}/`;
    this.url = `s3://${bucket}/${this.prefix}`;
    this.#client = options.client;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#deps = { ...DEFAULT_RETRY_DEPS, ...options.deps };
    this.#onRetry = options.onRetry;
  }

  async get(key: string): Promise<Buffer> {
    const location = this.#location(key);
    return this.#request('GetObject', location, async () => collect(await this.#getBody(key)));
  }

  async getRange(key: string, range: ByteRange): Promise<Buffer> {
    const location = this.#location(key);
    checkRange(location, range);
    if (range.end === range.start) return this.#mustExist(key, location).then(() => Buffer.alloc(0));
    const limit = range.end - range.start;
    return this.#request('GetObject', location, async () =>
      collect(upTo(await this.#getBody(key, range), limit)),
    );
  }

  read(key: string, range?: ByteRange): Readable {
    const location = this.#location(key);
    if (range !== undefined) checkRange(location, range);
    return Readable.from(this.#chunks(key, location, range), { objectMode: false });
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    await this.#put(key, body, {});
  }

  async getVersioned(key: string): Promise<VersionedObject> {
    const location = this.#location(key);
    return this.#request('GetObject', location, async () => {
      const output = await this.#client.send(new (await sdk()).GetObjectCommand(this.#ref(key)));
      const body = await collect(nodeStream(output.Body));
      if (output.ETag === undefined) throw new TypeError(`GetObject of ${location} answered without an ETag`);
      return { body, etag: output.ETag };
    });
  }

  async putIfAbsent(key: string, body: Buffer | string | Readable): Promise<string> {
    return this.#conditionalPut(key, body, { IfNoneMatch: '*' });
  }

  async compareAndSwap(key: string, etag: string, body: Buffer | string | Readable): Promise<string> {
    return this.#conditionalPut(key, body, { IfMatch: etag });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const location = this.#location(key);
    const { HeadObjectCommand } = await sdk();
    try {
      const output = await this.#request('HeadObject', location, () =>
        this.#client.send(new HeadObjectCommand(this.#ref(key))),
      );
      return { key, size: output.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix !== '') checkKey(prefix, this.url, true);
    let token: string | undefined;
    do {
      const command = new (await sdk()).ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.prefix + prefix,
        ContinuationToken: token,
      });
      const page = await this.#request('ListObjectsV2', this.url + prefix, () => this.#client.send(command));
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length) ?? '';
        // Keys ending in '/' are the console's folder markers, not objects a store can hold.
        if (key !== '' && !key.endsWith('/')) {
          yield {
            key,
            size: object.Size ?? 0,
            ...(object.ETag ? { version: object.ETag } : {}),
            ...(object.LastModified ? { modified: object.LastModified.getTime() } : {}),
          };
        }
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(keys: readonly string[]): Promise<void> {
    const locations = keys.map((key) => this.#location(key));
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const more = batch.length > 1 ? ` and ${batch.length - 1} more` : '';
      const command = new (await sdk()).DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: batch.map((key) => ({ Key: this.prefix + key })), Quiet: true },
      });
      await this.#request('DeleteObjects', `${locations[start]}${more}`, async () => {
        const failed = (await this.#client.send(command)).Errors ?? [];
        if (failed.length > 0) throw new PartialDeleteError(failed);
      });
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.#location(from);
    this.#location(to); // checks the target key
    if (from === to) return this.#mustExist(from, source);
    const { CopyObjectCommand, DeleteObjectCommand } = await sdk();
    const copy = new CopyObjectCommand({
      ...this.#ref(to),
      CopySource: copySource(this.bucket, this.prefix + from),
    });
    await this.#request('CopyObject', source, () => this.#client.send(copy));
    await this.#request('DeleteObject', source, () =>
      this.#client.send(new DeleteObjectCommand(this.#ref(from))),
    );
  }

  /**
   * Writes with the given conditions: one PutObject for bytes, lib-storage for a stream (the
   * conditions go on its PutObject or CompleteMultipartUpload). A single PutObject also retries
   * 409 ConditionalRequestConflict, which AWS says to retry; a multipart upload cannot be sent
   * again from a stream. Resolves with the new object's ETag.
   */
  async #put(
    key: string,
    body: Buffer | string | Readable,
    conditions: Conditions,
  ): Promise<string | undefined> {
    const location = this.#location(key);
    const conditional = conditions.IfMatch !== undefined || conditions.IfNoneMatch !== undefined;
    const retryable = (operation: string) =>
      conditional && operation === 'PutObject' ? isRetryableConditionalPut : isRetryableS3Error;
    if (body instanceof Readable) {
      const request = <T>(operation: string, call: () => Promise<T>) =>
        this.#request(operation, location, call, retryable(operation));
      return (await import('./s3Upload.js')).uploadStream({
        client: this.#client,
        ...this.#ref(key),
        conditions,
        body,
        location,
        request,
      });
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const command = new (await sdk()).PutObjectCommand({
      ...this.#ref(key),
      ...conditions,
      Body: bytes,
      ContentLength: bytes.length,
    });
    const output = await this.#request(
      'PutObject',
      location,
      () => this.#client.send(command),
      retryable('PutObject'),
    );
    return output.ETag;
  }

  /** {@link #put} with a condition, its failures mapped to the typed errors of the Store port. */
  async #conditionalPut(
    key: string,
    body: Buffer | string | Readable,
    conditions: Conditions,
  ): Promise<string> {
    const location = this.#location(key);
    const etag = await this.#put(key, body, conditions).catch((error: unknown) => {
      throw toConditionalError(error, location, conditions);
    });
    if (etag === undefined) throw new TypeError(`PutObject of ${location} answered without an ETag`);
    return etag;
  }

  /** Sends through `call` until it succeeds or the retry policy gives up; maps the error. */
  #request<T>(
    operation: string,
    location: string,
    call: () => Promise<T>,
    isRetryable: (error: unknown) => boolean = isRetryableS3Error,
  ): Promise<T> {
    return withRetry(call, {
      policy: this.#policy,
      deps: this.#deps,
      isRetryable,
      onRetry: (attempt, delayMs, error) => this.#onRetry?.({ operation, location, attempt, delayMs, error }),
      giveUp: (error, attempts) => toStoreError(error, operation, location, attempts),
    });
  }

  /** The object's body, or of its range; empty when the range starts past the end (S3's 416). */
  async #getBody(key: string, range?: ByteRange): Promise<Readable> {
    const Range = range === undefined ? undefined : rangeHeader(range);
    try {
      const output = await this.#client.send(
        new (await sdk()).GetObjectCommand({ ...this.#ref(key), Range }),
      );
      return nodeStream(output.Body);
    } catch (error) {
      if (range !== undefined && codeOf(error) === 'InvalidRange') return Readable.from([]);
      throw error;
    }
  }

  async *#chunks(key: string, location: string, range: ByteRange | undefined): AsyncGenerator<Buffer> {
    if (range !== undefined && range.end === range.start) {
      await this.#mustExist(key, location);
      return;
    }
    const body = await this.#request('GetObject', location, () => this.#getBody(key, range));
    try {
      yield* upTo(body, range === undefined ? Number.POSITIVE_INFINITY : range.end - range.start);
    } catch (error) {
      throw toStoreError(error, 'GetObject', location, 1);
    }
  }

  async #mustExist(key: string, location: string): Promise<void> {
    if ((await this.head(key)) === undefined) throw new ObjectNotFoundError(location);
  }

  #ref(key: string): { Bucket: string; Key: string } {
    return { Bucket: this.bucket, Key: this.prefix + key };
  }

  /** The `s3://` URI of a key, after checking the key. */
  #location(key: string): string {
    checkKey(key, this.url, false);
    return this.url + key;
  }
}

/**
 * Lets `openUri` open `s3://` URIs as {@link S3Store}s: a URI ending in `/` opens a store
 * rooted there with key `''`, any other one a store rooted at the object's "directory" with
 * the object's name as key (as file URIs do). `clientFor` is asked for a client per bucket;
 * return a shared one (built with `maxAttempts: 1`) rather than a new one each time.
 *
 * @example
 * ```ts
 * const client = new S3Client({ maxAttempts: 1 });
 * registerS3Opener(() => client);
 * const { store, key } = openUri('s3://data/logs/2024-01-01.gz'); // prefix 'logs/'
 * ```
 */
export function registerS3Opener(
  clientFor: (bucket: string) => S3Client,
  options: Omit<S3StoreOptions, 'client' | 'bucket' | 'prefix'> = {},
): void {
  registerStoreOpener('s3', (parsed, uri) => {
    if (parsed.scheme !== 's3') throw new InvalidUriError(uri, 'it is not an s3:// URI');
    const slash = parsed.key.lastIndexOf('/');
    const prefix = parsed.key.slice(0, slash + 1);
    const store = new S3Store({
      ...options,
      client: clientFor(parsed.bucket),
      bucket: parsed.bucket,
      prefix,
    });
    return { store, key: parsed.key.slice(slash + 1) };
  });
}

/**
 * Some keys of a DeleteObjects batch were not deleted. Shaped like an SDK error (code in `name`,
 * the HTTP status S3 answered with) so that it is retried and mapped like one.
 */
class PartialDeleteError extends Error {
  readonly $metadata = { httpStatusCode: 200 };

  constructor(failed: readonly { Key?: string | undefined; Code?: string | undefined }[]) {
    const shown = failed.slice(0, 3).map((each) => `${each.Key} (${each.Code})`);
    super(`${failed.length} keys were not deleted: ${shown.join(', ')}${failed.length > 3 ? ', …' : ''}`);
    this.name = failed[0]?.Code ?? 'InternalError';
  }
}

/** A GetObject body as the Node.js stream it is in Node (empty when there is none). */
function nodeStream(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body === undefined) return Readable.from([]);
  throw new TypeError('S3Store needs Node.js streams: the S3 client returned a web stream');
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * The first `limit` bytes of a body, closing it there. S3 never sends more than the range
 * asked for, but s3rver answers `bytes=0-0` with the whole object.
 */
async function* upTo(body: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let left = limit;
  for await (const chunk of body) {
    if (chunk.length >= left) {
      yield chunk.subarray(0, left);
      return;
    }
    left -= chunk.length;
    yield chunk;
  }
}
