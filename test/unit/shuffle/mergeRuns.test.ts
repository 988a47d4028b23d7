import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Key } from '../../../framework/job/types.js';
import {
  type KeyGroup,
  MapOutputBuffer,
  mergeRuns,
  parseFooter,
  readShuffleIndex,
  ShuffleCorruptError,
} from '../../../framework/shuffle/index.js';
import { mergeRunBatches } from '../../../framework/shuffle/mergeRuns.js';
import { compareKeys, keyId } from './keys.js';
import { chunksOf, emittedPairs, type Pair } from './shuffleFiles.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stepmr-merge-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PARTITIONS = 4;
const sum = (_key: Key, values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Writes one shuffle file per task (a slice of pairs), as map tasks do. */
async function mapTasks(tasks: Pair[][], combine?: typeof sum): Promise<Buffer[]> {
  const files: Buffer[] = [];
  for (const [t, pairs] of tasks.entries()) {
    const buffer = new MapOutputBuffer<Key, number>({
      partitions: PARTITIONS,
      memoryBudgetBytes: t % 2 === 0 ? 4000 : 64 << 20,
      spillDir: dir,
      ...(combine === undefined ? {} : { combine }),
    });
    for (const [key, value] of pairs) buffer.add(key, value);
    files.push(readFileSync((await buffer.finish()).path));
    buffer.dispose();
  }
  return files;
}

/** Merges partition `p` of every file, each file's run read in chunks of `chunk` bytes. */
async function reduce(files: Buffer[], p: number, chunk: number): Promise<KeyGroup<Key, number>[]> {
  const runs = files.map((file) => {
    const run = parseFooter(file, file.length, 'map')[p];
    if (run === undefined) throw new Error('no run');
    return { bytes: file.subarray(run.offset, run.offset + run.length), run };
  });
  const groups: KeyGroup<Key, number>[] = [];
  const sources = runs.map(({ run }, i) => ({ name: `map-${i}`, offset: run.offset, check: run }));
  for await (const group of mergeRuns<Key, number>(
    runs.map(({ bytes }) => chunksOf(bytes, chunk || bytes.length || 1)),
    { sources },
  )) {
    groups.push(group);
  }
  return groups;
}

describe('mergeRuns', () => {
  const tasks = [emittedPairs(3000, 1), emittedPairs(2500, 2), emittedPairs(100, 3), emittedPairs(4000, 4)];

  /** Per key: the values from task 0, then task 1, … — each task's list folded by `fold`. */
  function expected(fold: (values: number[]) => number[]): Map<string, number[]> {
    const all = new Map<string, number[]>();
    for (const pairs of tasks) {
      const perTask = new Map<string, number[]>();
      for (const [key, value] of pairs) {
        const list = perTask.get(keyId(key)) ?? [];
        list.push(value);
        perTask.set(keyId(key), list);
      }
      for (const [id, values] of perTask) all.set(id, [...(all.get(id) ?? []), ...fold(values)]);
    }
    return all;
  }

  it.each([1, 7, 4500, 6000, 0])(
    'merges runs read in %i-byte chunks (0: whole) into the plain group-by',
    async (chunk) => {
      const files = await mapTasks(tasks);
      const got = new Map<string, number[]>();
      for (let p = 0; p < PARTITIONS; p++) {
        const groups = await reduce(files, p, chunk);
        for (let i = 1; i < groups.length; i++) {
          expect(
            compareKeys(
              (groups[i - 1] as KeyGroup<Key, number>).key,
              (groups[i] as KeyGroup<Key, number>).key,
            ),
          ).toBeLessThan(0);
        }
        for (const { key, values } of groups) got.set(keyId(key), values);
      }
      expect(got).toEqual(expected((values) => values));
    },
  );

  it('gives the same groups in batches of at most 256 keys, cut once their values reach 4096', async () => {
    // One key with 5000 values, and 3000 keys of one value each: both limits cut batches.
    const hot: Pair[] = Array.from({ length: 5000 }, (_, i) => ['hot', i]);
    const distinct: Pair[] = Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]);
    const all = [...tasks, hot, distinct];
    const files = await mapTasks(all);
    const want = new Map<string, number[]>();
    for (const pairs of all) {
      const perTask = new Map<string, number[]>();
      for (const [key, value] of pairs) perTask.set(keyId(key), [...(perTask.get(keyId(key)) ?? []), value]);
      for (const [id, values] of perTask) want.set(id, [...(want.get(id) ?? []), ...values]);
    }
    const got = new Map<string, number[]>();
    let batches = 0;
    let full = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const runs = files.map((file) => {
        const run = parseFooter(file, file.length, 'map')[p] as { offset: number; length: number };
        return chunksOf(file.subarray(run.offset, run.offset + run.length), 64);
      });
      for await (const batch of mergeRunBatches<Key, number>(runs)) {
        batches++;
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(256);
        if (batch.length === 256) full++;
        const before = batch.slice(0, -1).reduce((n, g) => n + g.values.length, 0);
        expect(before).toBeLessThan(4096);
        for (const { key, values } of batch) got.set(keyId(key), values);
      }
    }
    expect(got).toEqual(want);
    expect(full).toBeGreaterThan(0);
    expect(batches).toBeGreaterThanOrEqual(want.size / 256);
  });

  it('concatenates the combined value of each map task in task order', async () => {
    const files = await mapTasks(tasks, sum);
    const got = new Map<string, number[]>();
    for (let p = 0; p < PARTITIONS; p++)
      for (const { key, values } of await reduce(files, p, 7)) got.set(keyId(key), values);
    expect(got).toEqual(expected((values) => [values.reduce((a, b) => a + b, 0)]));
  });

  it('reads the index of a shuffle object through ranged reads', async () => {
    const [file] = await mapTasks([tasks[0] as Pair[]]);
    const bytes = file as Buffer;
    const reads: [number, number][] = [];
    const readRange = async (start: number, end: number) => {
      reads.push([start, end]);
      return bytes.subarray(start, end);
    };
    const size = bytes.length;
    const index = parseFooter(bytes, size, 'map-0');
    expect(await readShuffleIndex({ name: 'map-0', size, readRange })).toEqual(index);
    expect(reads).toHaveLength(2);
    reads.length = 0;
    expect(await readShuffleIndex({ name: 'map-0', size, readRange, partitions: PARTITIONS })).toEqual(index);
    expect(reads).toHaveLength(1);
    expect(index.map((run) => run.offset + run.length).at(-1)).toBe(size - 16 - 28 * PARTITIONS);
  });
});

describe('corrupt shuffle data', () => {
  async function oneFile(): Promise<Buffer> {
    const [file] = await mapTasks([emittedPairs(2000, 9)]);
    return file as Buffer;
  }

  it('rejects a bad footer magic with ShuffleCorruptError naming the object and offset', async () => {
    const file = Buffer.from(await oneFile());
    file[file.length - 1] = 0x21;
    expect(() => parseFooter(file, file.length, 'shuffle/map-7.smr')).toThrow(ShuffleCorruptError);
    expect(() => parseFooter(file, file.length, 'shuffle/map-7.smr')).toThrow(
      new RegExp(`shuffle/map-7.smr .*bad magic.*at byte ${file.length - 4}`),
    );
  });

  it('rejects a changed index byte through its checksum', async () => {
    const file = Buffer.from(await oneFile());
    const at = file.length - 16 - 28 * PARTITIONS + 10;
    file[at] = (file[at] as number) ^ 0xff;
    expect(() => parseFooter(file, file.length, 'm')).toThrow(/index checksum/);
  });

  it('rejects a file too short to be a shuffle file', () => {
    expect(() => parseFooter(Buffer.from('hello'), 5, 'tiny')).toThrow(ShuffleCorruptError);
  });

  it('rejects a run whose bytes changed, or that was cut short', async () => {
    const file = await oneFile();
    const run = parseFooter(file, file.length, 'm')[0];
    if (run === undefined || run.length < 10) throw new Error('expected a non-empty run');
    const flipped = Buffer.from(file.subarray(run.offset, run.offset + run.length));
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x01;
    const source = { name: 'shuffle/map-1.smr', offset: run.offset, check: run };
    const drain = async (bytes: Buffer) => {
      for await (const _ of mergeRuns([chunksOf(bytes, 5)], { sources: [source] })) {
        // read everything
      }
    };
    await expect(drain(flipped)).rejects.toThrow(ShuffleCorruptError);
    await expect(drain(flipped)).rejects.toThrow(/shuffle\/map-1.smr/);
    const cut = file.subarray(run.offset, run.offset + run.length - 1);
    await expect(drain(cut)).rejects.toThrow(/ends inside an entry/);
  });
});
