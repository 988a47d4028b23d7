import type { Readable } from 'node:stream';

/** One object (file) in a {@link Store}. */
export interface ObjectInfo {
  /** Key relative to the store's root, `/`-separated, never starting with `/`. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
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
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes the objects; missing ones are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Moves an object within this store (rename on a file system, copy + delete on S3). */
  move(from: string, to: string): Promise<void>;
}
