import type { Dirent } from 'node:fs';
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  InvalidKeyError,
  InvalidRangeError,
  ObjectNotFoundError,
  PreconditionFailedError,
} from './errors.js';
import { type FileLockOptions, withFileLock } from './fileLock.js';
import { etagOf, etagOfFile, lockPaths, TEMP_SUFFIX, writeTemp } from './fileWrites.js';
import type { ByteRange, ObjectInfo, Store, VersionedObject } from './Store.js';

/** Bytes per chunk of the streams `read` returns. */
const READ_CHUNK = 1024 * 1024;
/** Error codes that mean "there is no file at this path". */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/**
 * Options of a {@link FileStore}.
 *
 * @example
 * ```ts
 * const store = new FileStore('/data/out', { fsync: true });
 * ```
 */
export interface FileStoreOptions {
  /** Flush each object to disk (fsync) before it becomes visible. @default false */
  readonly fsync?: boolean;
  /** How long `compareAndSwap` waits for another writer's lock of the key. @default 30000 */
  readonly lockWaitMs?: number;
  /**
   * A `compareAndSwap` lock older than this, or whose process has exited, is taken as
   * abandoned (a writer that crashed). @default 10000
   */
  readonly lockStaleMs?: number;
}

/**
 * A {@link Store} over a local directory: each key is a file under the root. `put` writes a
 * temporary file next to the target and renames it, so readers see an object whole or not at
 * all; `list` walks the tree and orders keys by their UTF-8 bytes, as S3 does.
 *
 * Conditional writes, across the processes of one machine: `putIfAbsent` writes a temporary
 * file and hard-links it to the key, which fails if a file is there (so it is atomic, and a
 * reader never sees a partial file); `compareAndSwap` checks the etag (an MD5 of the bytes,
 * as S3's) and renames its temporary file into place while holding the key's lock file
 * (`.<name>.lock.stepmr-tmp`, see {@link withFileLock}). Plain `put`, `delete` and `move` take
 * no lock: a writer that mixes them with conditional writes of the same key may be overwritten.
 * The directory needs hard links (any local Linux or macOS file system).
 *
 * @example
 * ```ts
 * const store = new FileStore('/tmp/stepmr');
 * await store.put('jobs/1/job.json', JSON.stringify({ id: 1 }));
 * for await (const { key, size } of store.list('jobs/')) console.log(key, size);
 * ```
 */
export class FileStore implements Store {
  readonly root: string;
  readonly url: string;
  readonly #fsync: boolean;
  readonly #lock: FileLockOptions;

  constructor(rootDir: string, options: FileStoreOptions = {}) {
    this.root = path.resolve(rootDir);
    const href = pathToFileURL(this.root).href;
    this.url = href.endsWith('/') ? href : `${href}/`;
    this.#fsync = options.fsync ?? false;
    this.#lock = {
      ...(options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs }),
      ...(options.lockStaleMs === undefined ? {} : { staleMs: options.lockStaleMs }),
    };
  }

  async get(key: string): Promise<Buffer> {
    const file = this.#path(key);
    try {
      return await readFile(file);
    } catch (error) {
      throw missingOr(error, file);
    }
  }

  async getRange(key: string, range: ByteRange): Promise<Buffer> {
    const file = this.#path(key);
    checkRange(file, range);
    const handle = await openFile(file);
    try {
      const size = (await handle.stat()).size;
      const end = Math.min(range.end, size);
      if (end <= range.start) return Buffer.alloc(0);
      const buffer = Buffer.allocUnsafe(end - range.start);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, range.start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  read(key: string, range?: ByteRange): Readable {
    const file = this.#path(key);
    if (range !== undefined) checkRange(file, range);
    return Readable.from(readChunks(file, range?.start ?? 0, range?.end ?? Number.POSITIVE_INFINITY), {
      objectMode: false,
    });
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    const file = this.#path(key);
    await mkdir(path.dirname(file), { recursive: true });
    const { temp } = await writeTemp(file, body, this.#fsync);
    try {
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async getVersioned(key: string): Promise<VersionedObject> {
    // Every write renames a new file into place, so one open file is one version.
    const file = this.#path(key);
    const handle = await openFile(file);
    try {
      const body = await handle.readFile();
      return { body, etag: etagOf(body) };
    } finally {
      await handle.close();
    }
  }

  async putIfAbsent(key: string, body: Buffer | string | Readable): Promise<string> {
    const file = this.#path(key);
    await mkdir(path.dirname(file), { recursive: true });
    const { temp, etag } = await writeTemp(file, body, this.#fsync);
    try {
      await link(temp, file);
      return etag;
    } catch (error) {
      if (codeOf(error) === 'EEXIST') throw new PreconditionFailedError(file, 'absent', { cause: error });
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async compareAndSwap(key: string, etag: string, body: Buffer | string | Readable): Promise<string> {
    const file = this.#path(key);
    const mismatch = (found: string | undefined) =>
      new PreconditionFailedError(file, 'match', { expected: etag, found: found ?? 'gone' });
    // Fails fast, without the lock, when the object has already changed, or changes meanwhile.
    const check = async () => {
      const current = await etagOfFile(file);
      if (current !== etag) throw mismatch(current);
    };
    await check();
    const { temp, etag: next } = await writeTemp(file, body, this.#fsync);
    try {
      await withFileLock(
        lockPaths(file),
        async (lock) => {
          await check();
          await lock.check();
          await rename(temp, file);
        },
        { ...this.#lock, whileWaiting: check },
      );
      return next;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { key, size: info.size } : undefined;
    } catch (error) {
      if (MISSING.has(codeOf(error))) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix !== '') validateKey(prefix, this.root, true);
    const dirKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const found: ObjectInfo[] = [];
    await walk(path.join(this.root, dirKey), dirKey, prefix, found);
    const sorted = found
      .map((info) => ({ info, bytes: Buffer.from(info.key) }))
      .sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    for (const { info } of sorted) yield info;
  }

  async delete(keys: readonly string[]): Promise<void> {
    const files = keys.map((key) => this.#path(key));
    await Promise.all(
      files.map(async (file) => {
        try {
          await unlink(file);
        } catch (error) {
          if (!MISSING.has(codeOf(error))) throw error;
        }
      }),
    );
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.#path(from);
    const target = this.#path(to);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(source, target);
    } catch (error) {
      throw missingOr(error, source);
    }
  }

  /** The absolute path of a key, after checking it stays under the root. */
  #path(key: string): string {
    validateKey(key, this.root, false);
    return path.join(this.root, key);
  }
}

/** Throws `InvalidKeyError` unless `key` is a relative path that stays under the root. */
function validateKey(key: string, root: string, isPrefix: boolean): void {
  const fail = (reason: string): never => {
    throw new InvalidKeyError(key, reason, root);
  };
  if (key === '') fail('it is empty');
  if (key.includes('\0')) fail('it contains a NUL character');
  if (key.startsWith('/') || path.isAbsolute(key)) fail('it is absolute');
  const segments = key.split('/');
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '..' || segment === '.') fail(`it has a '${segment}' segment`);
    if (segment === '' && !(isPrefix && last)) fail('it has an empty segment');
    if (!isPrefix && last && segment.endsWith(TEMP_SUFFIX))
      fail(`names ending in ${TEMP_SUFFIX} are reserved`);
  });
}

function checkRange(file: string, range: ByteRange): void {
  if (!Number.isSafeInteger(range.start) || range.start < 0 || !(range.end >= range.start)) {
    throw new InvalidRangeError(file, range.start, range.end);
  }
}

async function* readChunks(file: string, start: number, end: number): AsyncGenerator<Buffer> {
  const handle = await openFile(file);
  try {
    let position = start;
    while (position < end) {
      const want = Math.min(READ_CHUNK, end - position);
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function openFile(file: string): Promise<FileHandle> {
  try {
    const handle = await open(file, 'r');
    if ((await handle.stat()).isFile()) return handle;
    await handle.close();
    throw new ObjectNotFoundError(file);
  } catch (error) {
    throw missingOr(error, file);
  }
}

async function walk(dir: string, dirKey: string, prefix: string, found: ObjectInfo[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (MISSING.has(codeOf(error))) return;
    throw error;
  }
  for (const entry of entries) {
    const key = dirKey + entry.name;
    if (entry.isDirectory()) {
      if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) {
        await walk(path.join(dir, entry.name), `${key}/`, prefix, found);
      }
    } else if (!entry.name.endsWith(TEMP_SUFFIX) && key.startsWith(prefix)) {
      const info = await stat(path.join(dir, entry.name)).catch(() => undefined);
      if (info?.isFile()) found.push(fileInfo(key, info));
    }
  }
}

/** An object's info from its file's stat: the version is its size and modification time. */
function fileInfo(key: string, info: { size: number; mtimeMs: number }): ObjectInfo {
  const modified = Math.floor(info.mtimeMs);
  return { key, size: info.size, version: `${info.size}-${info.mtimeMs}`, modified };
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function missingOr(error: unknown, file: string): unknown {
  if (error instanceof ObjectNotFoundError) return error;
  return MISSING.has(codeOf(error)) ? new ObjectNotFoundError(file, { cause: error }) : error;
}
