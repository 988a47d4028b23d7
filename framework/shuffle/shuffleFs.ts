import * as fs from 'node:fs';
import { ShuffleIoError } from './errors.js';
import type { ChunkSink } from './ShuffleWriter.js';

/**
 * The file system calls the map-side buffer makes: injected so tests can fail a write or count
 * reads. The default is `node:fs`.
 *
 * @example
 * ```ts
 * const full: ShuffleFs = { ...nodeShuffleFs, writeSync: () => { throw new Error('ENOSPC'); } };
 * ```
 */
export interface ShuffleFs {
  mkdtempSync(prefix: string): string;
  openSync(path: string, flags: 'w'): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  closeSync(fd: number): void;
  createReadStream(
    path: string,
    options: { start: number; end: number; highWaterMark: number },
  ): AsyncIterable<Uint8Array>;
  rmSync(path: string, options: { recursive: true; force: true }): void;
}

/**
 * `node:fs` as a {@link ShuffleFs}.
 *
 * @example
 * ```ts
 * new MapOutputBuffer({ partitions: 4, memoryBudgetBytes: 64 << 20, spillDir, deps: { fs: nodeShuffleFs } });
 * ```
 */
export const nodeShuffleFs: ShuffleFs = {
  mkdtempSync: (prefix) => fs.mkdtempSync(prefix),
  openSync: (path, flags) => fs.openSync(path, flags),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  closeSync: (fd) => fs.closeSync(fd),
  createReadStream: (path, options) => fs.createReadStream(path, options),
  rmSync: (path, options) => fs.rmSync(path, options),
};

/**
 * An open output file: a sink for a `ShuffleWriter`, and `close`.
 *
 * @example
 * ```ts
 * const file: FileSink = openFileSink(nodeShuffleFs, path);
 * ```
 */
export interface FileSink {
  readonly sink: ChunkSink;
  close(): void;
}

/**
 * Opens `path` for writing; every failure becomes a retryable `ShuffleIoError` naming the file.
 *
 * @example
 * ```ts
 * const file = openFileSink(nodeShuffleFs, '/tmp/spill-0.smr');
 * const writer = new ShuffleWriter(file.sink);
 * ```
 */
export function openFileSink(files: ShuffleFs, path: string): FileSink {
  const fd = guard(path, () => files.openSync(path, 'w'));
  return {
    sink: (chunk) =>
      guard(path, () => {
        for (let done = 0; done < chunk.length; )
          done += files.writeSync(fd, chunk, done, chunk.length - done);
      }),
    close: () => guard(path, () => files.closeSync(fd)),
  };
}

function guard<T>(path: string, action: () => T): T {
  try {
    return action();
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? String(cause);
    throw new ShuffleIoError(`cannot write ${path}: ${code}; check free space in the spill directory`, {
      cause,
    });
  }
}
