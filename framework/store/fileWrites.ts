import { createHash, type Hash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { LockPaths } from './fileLock.js';

/**
 * Suffix of the files a `FileStore` keeps beside its objects: temporary files that `put`
 * renames into place, and the lock files of `compareAndSwap`. Listings skip them; keys cannot
 * end with it.
 *
 * @example
 * ```ts
 * if (name.endsWith(TEMP_SUFFIX)) continue; // not an object
 * ```
 */
export const TEMP_SUFFIX = '.stepmr-tmp';

/**
 * A fresh temporary path beside `file`, hidden from listings.
 *
 * @example
 * ```ts
 * tempPath('/d/a.txt'); // '/d/.a.txt.3f2a9c01b7de.stepmr-tmp'
 * ```
 */
export function tempPath(file: string): string {
  const name = `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  return path.join(path.dirname(file), name);
}

/**
 * The lock file of `file`'s compare-and-swap, and its side files, all hidden from listings.
 *
 * @example
 * ```ts
 * lockPaths('/d/a.txt').lockFile; // '/d/.a.txt.lock.stepmr-tmp'
 * ```
 */
export function lockPaths(file: string): LockPaths {
  const stem = path.join(path.dirname(file), `.${path.basename(file)}.lock`);
  return { lockFile: `${stem}${TEMP_SUFFIX}`, sideFile: (tag) => `${stem}.${tag}${TEMP_SUFFIX}` };
}

/**
 * The etag of some bytes: their MD5 in hex, quoted, as S3 gives a single-part object.
 *
 * @example
 * ```ts
 * etagOf(Buffer.from('')); // '"d41d8cd98f00b204e9800998ecf8427e"'
 * ```
 */
export function etagOf(bytes: Buffer): string {
  return quoted(createHash('md5').update(bytes));
}

/**
 * The etag of the file's bytes, or undefined if there is no file.
 *
 * @example
 * ```ts
 * if ((await etagOfFile(file)) !== expected) throw new PreconditionFailedError(file, 'match');
 * ```
 */
export async function etagOfFile(file: string): Promise<string | undefined> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(code)) return undefined;
    throw error;
  }
  return quoted(hash);
}

/**
 * Writes `body` to a new temporary file beside `file` and returns its path and the etag of
 * what was written (hashed on the way, so a stream is read once). Removes the file on failure.
 *
 * @example
 * ```ts
 * const { temp, etag } = await writeTemp('/d/a.txt', 'hello', false);
 * await link(temp, '/d/a.txt');
 * ```
 */
export async function writeTemp(
  file: string,
  body: Buffer | string | Readable,
  fsync: boolean,
): Promise<{ readonly temp: string; readonly etag: string }> {
  const temp = tempPath(file);
  const hash = createHash('md5');
  const data = body instanceof Readable ? hashing(body, hash) : body;
  if (!(body instanceof Readable)) hash.update(body);
  try {
    await writeFile(temp, data, { flag: 'wx', flush: fsync });
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { temp, etag: quoted(hash) };
}

async function* hashing(body: Readable, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(bytes);
    yield bytes;
  }
}

function quoted(hash: Hash): string {
  return `"${hash.digest('hex')}"`;
}
