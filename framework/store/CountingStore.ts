import { Readable } from 'node:stream';
import type { ByteRange, ObjectInfo, Store, VersionedObject } from './Store.js';

/** The kinds of S3 request stepmr makes, as S3 prices and throttles them. */
export const REQUEST_KINDS = ['list', 'get', 'rangedGet', 'put', 'copy', 'delete', 'head'] as const;

/** One kind of S3 request. */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Requests by kind, and the bytes their bodies carried. */
export interface RequestCounts {
  list: number;
  get: number;
  rangedGet: number;
  /** PutObject, and each CreateMultipartUpload, UploadPart and CompleteMultipartUpload. */
  put: number;
  copy: number;
  /** DeleteObject and DeleteObjects (one per batch of up to 1,000 keys). */
  delete: number;
  head: number;
  bytesRead: number;
  bytesWritten: number;
}

/**
 * No requests yet.
 *
 * @example
 * ```ts
 * const counts = noRequests(); // { list: 0, get: 0, …, bytesWritten: 0 }
 * ```
 */
export function noRequests(): RequestCounts {
  return {
    list: 0,
    get: 0,
    rangedGet: 0,
    put: 0,
    copy: 0,
    delete: 0,
    head: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
}

/**
 * Adds `more` into `into`, field by field; returns `into`.
 *
 * @example
 * ```ts
 * const total = addRequests(noRequests(), task.requests);
 * ```
 */
export function addRequests(into: RequestCounts, more: Partial<RequestCounts>): RequestCounts {
  for (const field of Object.keys(into) as (keyof RequestCounts)[]) into[field] += more[field] ?? 0;
  return into;
}

/** Part size of S3Store's multipart uploads (s3Upload.ts): a stream past it is uploaded in parts. */
export const PART_BYTES = 8 * 1024 * 1024;
/** Keys one ListObjectsV2 page and one DeleteObjects request take. */
export const PAGE_KEYS = 1000;

/**
 * PUT-class requests of an upload of `bytes`: one PutObject for bytes in memory, or for a
 * stream that fits in one part; otherwise CreateMultipartUpload, one UploadPart per 8 MiB and
 * CompleteMultipartUpload (what `S3Store.put` sends).
 *
 * @example
 * ```ts
 * putRequests(20 * 1024 * 1024, true); // 5: create, 3 parts, complete
 * ```
 */
export function putRequests(bytes: number, stream: boolean): number {
  return stream && bytes > PART_BYTES ? Math.ceil(bytes / PART_BYTES) + 2 : 1;
}

/**
 * A {@link Store} that counts the S3 requests each call makes on S3 (as `S3Store` sends them,
 * retries aside) and the bytes moved, whatever store it wraps: so a FileStore run counts what
 * the same run sends to S3. `get` is a GET, `getRange` and a ranged `read` a ranged GET (an
 * empty range a HEAD), `put` a PUT (or a multipart upload for a stream past 8 MiB), `list` a
 * LIST per 1,000 keys, `delete` a DELETE per 1,000 keys, `move` a COPY and a DELETE.
 *
 * @example
 * ```ts
 * const counted = new CountingStore(new FileStore('/tmp/data'));
 * await counted.get('a.txt');
 * counted.counts.get; // 1
 * ```
 */
export class CountingStore implements Store {
  readonly counts: RequestCounts;
  readonly #inner: Store;

  constructor(inner: Store, counts: RequestCounts = noRequests()) {
    this.#inner = inner;
    this.counts = counts;
  }

  get url(): string {
    return this.#inner.url;
  }

  /** The store this one counts for. */
  get inner(): Store {
    return this.#inner;
  }

  async get(key: string): Promise<Buffer> {
    this.counts.get++;
    return this.#read(await this.#inner.get(key));
  }

  async getRange(key: string, range: ByteRange): Promise<Buffer> {
    if (range.end === range.start) this.counts.head++;
    else this.counts.rangedGet++;
    return this.#read(await this.#inner.getRange(key, range));
  }

  read(key: string, range?: ByteRange): Readable {
    if (range === undefined) this.counts.get++;
    else if (range.end === range.start) this.counts.head++;
    else this.counts.rangedGet++;
    const counts = this.counts;
    const body = this.#inner.read(key, range);
    return Readable.from(
      (async function* () {
        for await (const chunk of body) {
          counts.bytesRead += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })(),
      { objectMode: false },
    );
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    await this.#write(body, (counted) => this.#inner.put(key, counted));
  }

  async getVersioned(key: string): Promise<VersionedObject> {
    this.counts.get++;
    const object = await this.#inner.getVersioned(key);
    this.counts.bytesRead += object.body.length;
    return object;
  }

  putIfAbsent(key: string, body: Buffer | string | Readable): Promise<string> {
    return this.#write(body, (counted) => this.#inner.putIfAbsent(key, counted));
  }

  compareAndSwap(key: string, etag: string, body: Buffer | string | Readable): Promise<string> {
    return this.#write(body, (counted) => this.#inner.compareAndSwap(key, etag, counted));
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    this.counts.head++;
    return this.#inner.head(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let listed = 0;
    this.counts.list++;
    for await (const object of this.#inner.list(prefix)) {
      if (listed > 0 && listed % PAGE_KEYS === 0) this.counts.list++;
      listed++;
      yield object;
    }
  }

  delete(keys: readonly string[]): Promise<void> {
    this.counts.delete += Math.ceil(keys.length / PAGE_KEYS);
    return this.#inner.delete(keys);
  }

  move(from: string, to: string): Promise<void> {
    if (from !== to) {
      this.counts.copy++;
      this.counts.delete++;
    } else this.counts.head++;
    return this.#inner.move(from, to);
  }

  #read(body: Buffer): Buffer {
    this.counts.bytesRead += body.length;
    return body;
  }

  async #write<T>(body: Buffer | string | Readable, write: (body: Buffer | string | Readable) => Promise<T>) {
    if (!(body instanceof Readable)) {
      this.counts.put++;
      this.counts.bytesWritten += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      return write(body);
    }
    let bytes = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of body) {
          bytes += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })(),
      { objectMode: false },
    );
    try {
      return await write(counted);
    } finally {
      this.counts.put += putRequests(bytes, true);
      this.counts.bytesWritten += bytes;
    }
  }
}
