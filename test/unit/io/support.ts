import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { type ReadSplitOptions, readSplit } from '../../../framework/io/readSplit.js';
import type { InputFormat, Split } from '../../../framework/job/types.js';
import { FileStore } from '../../../framework/store/FileStore.js';

export { rng as random } from '../../support/rng.js';

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** A temporary directory with a FileStore over it. */
export async function scratch(): Promise<{ dir: string; store: FileStore; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stepmr-io-'));
  return { dir, store: new FileStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * In a describe block: a temporary directory with a FileStore over it, removed after the
 * block's tests.
 */
export function useScratch(): { readonly dir: string; readonly store: FileStore } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stepmr-io-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return { dir, store: new FileStore(dir) };
}

/** Writes `bytes` to `dir/name` and returns its URI. */
export async function writeInput(dir: string, name: string, bytes: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return pathToFileURL(file).href;
}

/** Byte-range splits of `splitSize` over an object of `size` bytes (a plain loop, independent of makeSplits). */
export function cut(uri: string, size: number, splitSize: number): Split[] {
  const splits: Split[] = [];
  for (let start = 0; start < size; start += splitSize) {
    splits.push({ id: splits.length, uri, start, end: Math.min(size, start + splitSize), size });
  }
  return splits;
}

export interface Seen<R> {
  readonly record: R;
  readonly offset: number;
  readonly line: number | undefined;
  readonly split: number;
}

/** Splits read at once by {@link readAll}: each is read on its own, as separate tasks read them. */
const SPLITS_AT_ONCE = 8;

/**
 * Reads every split and collects what each yields, in split order. The splits are read a few at
 * once (each read waits mostly on the file system), which yields what reading them one after the
 * other does: what a split yields does not depend on the others, each split's records are kept
 * together in the order its read yielded them, and if reads fail, no further split is started
 * and the error is that of the first failing split. With `onBadRecord`, whose calls a test may
 * collect in order, the splits are read one after the other.
 */
export async function readAll<R>(
  store: FileStore,
  key: string,
  splits: readonly Split[],
  format: InputFormat<R>,
  options: ReadSplitOptions = {},
): Promise<{ seen: Seen<R>[]; records: number; bytes: number }> {
  const perSplit: Seen<R>[][] = splits.map(() => []);
  const failures: { index: number; error: unknown }[] = [];
  let records = 0;
  let bytes = 0;
  let next = 0;
  const reader = async () => {
    while (failures.length === 0 && next < splits.length) {
      const index = next++;
      const split = splits[index] as Split;
      const seen = perSplit[index] as Seen<R>[];
      try {
        const result = await readSplit(
          { store, key },
          split,
          format,
          (record, offset, line) => {
            seen.push({ record, offset, line, split: split.id });
          },
          options,
        );
        records += result.records;
        bytes += result.bytes;
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  const readers = options.onBadRecord ? 1 : Math.min(SPLITS_AT_ONCE, splits.length);
  await Promise.all(Array.from({ length: readers }, reader));
  const first = failures.sort((a, b) => a.index - b.index)[0];
  if (first) throw first.error;
  return { seen: perSplit.flat(), records, bytes };
}

/** Catches what a promise rejects with (and fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
