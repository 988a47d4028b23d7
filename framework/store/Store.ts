import type { Readable } from 'node:stream';

/** One object (file) in a {@link Store}. */
export interface ObjectInfo {
  /** Key relative to the store's root, `/`-separated, never starting with `/`. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * A token that changes when the object is rewritten: the ETag on S3, the size and
   * modification time on a FileStore. Set by `list`.
   */
  readonly version?: string;
  /** When the object was last written, ms since the epoch. Set by `list`. */
  readonly modified?: number;
}

/** An object's bytes with the etag of exactly those bytes, as {@link Store.getVersioned} reads them. */
export interface VersionedObject {
  readonly body: Buffer;
  /** The object's version, to pass to {@link Store.compareAndSwap}. */
  readonly etag: string;
}

/** A byte range `[start, end)` of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The storage port. Tasks, the planner and the engine read and write objects only through a
 * Store; `FileStore` is a local directory, `S3Store` a bucket and prefix.
 *
 * Contract: `put` is atomic (an object is visible whole or not at all, as on S3); `list` is
 * recursive and ordered by key; a missing object makes `get`, `getRange` and `read` reject with
 * `ObjectNotFoundError`.
 *
 * Conditional writes: `putIfAbsent` creates an object only if none is at its key, and
 * `compareAndSwap` replaces one only if its etag is still the one the caller read with
 * `getVersioned`; a failed condition rejects with `PreconditionFailedError` and writes nothing.
 * Among writers that all use these two methods on a key, exactly one wins each round, as with
 * S3's `If-None-Match: *` and `If-Match`. An etag is a quoted MD5 of the bytes, as S3 gives
 * single-part objects: writing the very same bytes again keeps it, which is harmless to a
 * read-modify-write (it computed its update from exactly those bytes).
 *
 * @example
 * ```ts
 * const store: Store = new FileStore('/tmp/data');
 * await store.put('a/b.txt', 'hello');
 * const text = (await store.get('a/b.txt')).toString();
 * ```
 */
export interface Store {
  /** Where the root is, as a URI: `file:///abs/dir/` or `s3://bucket/prefix/`. */
  readonly url: string;
  get(key: string): Promise<Buffer>;
  /** Bytes `[start, end)`; `end` past the object's size is clipped. */
  getRange(key: string, range: ByteRange): Promise<Buffer>;
  /** A stream of the object, or of one range of it. */
  read(key: string, range?: ByteRange): Readable;
  /** Writes the whole object atomically. */
  put(key: string, body: Buffer | string | Readable): Promise<void>;
  /** The object and its etag, read together (one GetObject on S3). */
  getVersioned(key: string): Promise<VersionedObject>;
  /**
   * Writes the object only if no object is at `key`, atomically; resolves with its etag.
   * Rejects with `PreconditionFailedError` if one is there (its bytes are left as they were).
   */
  putIfAbsent(key: string, body: Buffer | string | Readable): Promise<string>;
  /**
   * Replaces the object only if its etag is still `etag`, atomically; resolves with the new
   * etag, so that a writer can chain swaps. Rejects with `PreconditionFailedError` if the object
   * changed or is gone: read it again with `getVersioned`, recompute, and retry.
   */
  compareAndSwap(key: string, etag: string, body: Buffer | string | Readable): Promise<string>;
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes the objects; missing ones are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Moves an object within this store (rename on a file system, copy + delete on S3). */
  move(from: string, to: string): Promise<void>;
}
