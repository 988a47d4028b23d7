import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Store } from '../store/Store.js';
import { CorruptInputError } from './errors.js';

/**
 * One object in a store: where {@link readSplit} reads from.
 *
 * @example
 * ```ts
 * const source: SplitSource = openUri('file:///data/in.txt');
 * ```
 */
export interface SplitSource {
  readonly store: Store;
  readonly key: string;
}

/** The largest ranged read used to finish a record past the end of a split. */
const MAX_TAIL_READ = 4 * 1024 * 1024;

/**
 * The bytes of an object from `from` on, in fresh (never reused) buffers of at most
 * `chunkBytes`: one streamed read of `[from, end)`, then, only while the consumer keeps
 * pulling, ranged reads past `end` of growing size (to finish the split's last record).
 *
 * @example
 * ```ts
 * for await (const chunk of rangeChunks(source, 0, 1024, 64 * 1024)) total += chunk.length;
 * ```
 */
export async function* rangeChunks(
  source: SplitSource,
  from: number,
  end: number,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  let position = from;
  if (end > from) {
    for await (const chunk of source.store.read(source.key, { start: from, end })) {
      const buffer = toBuffer(chunk);
      position += buffer.length;
      yield* pieces(buffer, chunkBytes);
    }
    if (position < end) return; // the object ended inside the range
  }
  let want = chunkBytes;
  for (;;) {
    const buffer = await source.store.getRange(source.key, { start: position, end: position + want });
    position += buffer.length;
    yield* pieces(buffer, chunkBytes);
    if (buffer.length < want) return;
    want = Math.min(want * 2, Math.max(MAX_TAIL_READ, chunkBytes));
  }
}

/**
 * The decompressed bytes of a whole gzip object, in buffers of at most `chunkBytes`. A
 * truncated or corrupt stream rejects with `CorruptInputError` naming `uri`.
 *
 * @example
 * ```ts
 * for await (const chunk of gunzipChunks(source, 'file:///in.gz', 64 * 1024)) total += chunk.length;
 * ```
 */
export async function* gunzipChunks(
  source: SplitSource,
  uri: string,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  // Errors of either stream surface on `gunzip`, where the loop below sees them.
  pipeline(source.store.read(source.key), gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield* pieces(toBuffer(chunk), chunkBytes);
  } catch (error) {
    if (isZlibError(error)) throw new CorruptInputError(uri, error.message, { cause: error });
    throw error;
  }
}

function* pieces(buffer: Buffer, size: number): Generator<Buffer> {
  if (buffer.length <= size) {
    if (buffer.length > 0) yield buffer;
    return;
  }
  for (let start = 0; start < buffer.length; start += size) yield buffer.subarray(start, start + size);
}

function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
}

function isZlibError(error: unknown): error is Error {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('Z_');
}
