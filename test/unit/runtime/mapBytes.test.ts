import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedSplits, jobInputOf, MapBytesReader } from '../../../framework/runtime/mapBytes.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { TaskInputError } from '../../../framework/tasks/errors.js';
import { rng } from '../../support/rng.js';

/** Splits as the planner lists them: ids in order, or (a redrive's) some ids left out. */
function splitsOf(sizes: readonly number[], ids = sizes.map((_, i) => i)) {
  return sizes.map((size, i) => ({ id: ids[i] ?? i, size }));
}

describe('finishedSplits', () => {
  it('counts exactly the splits of the batches whose task wrote its output', () => {
    const random = rng(7);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 40);
      const perTask = 1 + Math.floor(random() * 6);
      // A redrive's plan holds only some splits: ids with gaps.
      let id = 0;
      const ids = Array.from({ length: n }, () => (id += 1 + Math.floor(random() * 3)));
      const splits = splitsOf(
        Array.from({ length: n }, () => Math.floor(random() * 1000)),
        round % 2 ? ids : undefined,
      );
      // The ItemBatcher's batches, plainly: runs of perTask lines.
      const batches: (typeof splits)[] = [];
      for (let i = 0; i < n; i += perTask) batches.push(splits.slice(i, i + perTask));
      const ended = batches.filter(() => random() < 0.5);
      const firsts = ended.map((b) => b[0]?.id ?? -1);
      const want = ended.flat();
      expect(finishedSplits(splits, perTask, firsts)).toEqual({
        bytes: want.reduce((a, s) => a + s.size, 0),
        splits: want.length,
      });
    }
  });

  it('counts a task once, nothing for a first split not in the plan, and never past the next task', () => {
    const splits = splitsOf([10, 20, 30, 40, 50]);
    expect(finishedSplits(splits, 2, [0, 0, 99])).toEqual({ bytes: 30, splits: 2 });
    // A batch cut short (the next one starts at line 1): it took line 0 alone.
    expect(finishedSplits(splits, 2, [0, 1])).toEqual({ bytes: 10 + 20 + 30, splits: 3 });
    expect(finishedSplits(splits, 2, [4])).toEqual({ bytes: 50, splits: 1 });
    expect(finishedSplits([], 2, [0])).toEqual({ bytes: 0, splits: 0 });
  });
});

describe('jobInputOf', () => {
  const input = { jobId: 'wc-1', bucket: 'data', prefix: 'work/wc-1/', run: { splitsPerTask: 4 } };

  it('reads a stepmr job’s reference and batching from its execution input', () => {
    expect(jobInputOf(JSON.stringify(input), 'wc-1', 'work/')).toEqual({
      job: { jobId: 'wc-1', bucket: 'data', prefix: 'work/wc-1/' },
      splitsPerTask: 4,
    });
  });

  it('refuses any other input: another name, a prefix not the job’s own, no batching, not JSON', () => {
    expect(jobInputOf(JSON.stringify(input), 'wc-2', 'work/')).toBeUndefined();
    expect(jobInputOf(JSON.stringify({ ...input, prefix: 'work/other/' }), 'wc-1', 'work/')).toBeUndefined();
    expect(jobInputOf(JSON.stringify({ ...input, prefix: 'out/wc-1/' }), 'wc-1', 'work/')).toBeUndefined();
    expect(jobInputOf(JSON.stringify({ ...input, run: {} }), 'wc-1', 'work/')).toBeUndefined();
    expect(
      jobInputOf(JSON.stringify({ ...input, run: { splitsPerTask: 0 } }), 'wc-1', 'work/'),
    ).toBeUndefined();
    expect(jobInputOf('{', 'wc-1', 'work/')).toBeUndefined();
    expect(jobInputOf(undefined, 'wc-1', 'work/')).toBeUndefined();
  });
});

describe('MapBytesReader', () => {
  let dir: string;
  let store: FileStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stepmr-map-bytes-'));
    store = new FileStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const sizes = [10, 20, 30];
  const input = { job: { jobId: 'j', bucket: 'data', prefix: 'work/j/' }, splitsPerTask: 2 };
  const running = { running: true, allSucceeded: false, items: sizes.length };
  const plan = (reducers: number, jobId = 'j') => ({
    version: 1,
    jobId,
    createdAt: '2026-12-01T00:00:00.000Z',
    job: { name: 'wc', module: 'job:wc' },
    inputs: ['s3://data/in/'],
    output: 's3://data/out/wc/',
    input: { kind: 'lines' },
    outputFormat: { kind: 'jsonl' },
    reducers,
    splits: sizes.length,
    splitSize: 100,
    inputBytes: sizes.reduce((a, b) => a + b, 0),
    memoryBudget: 1 << 20,
    maxRecordBytes: 1 << 10,
    badRecords: { policy: 'fail', max: 0 },
    overwrite: false,
  });
  const splitLines = () =>
    sizes
      .map(
        (size, id) =>
          `${JSON.stringify({ id, uri: 's3://data/in/a', start: id * 100, end: id * 100 + size, size })}\n`,
      )
      .join('');

  it('counts the splits of the map tasks whose output is written, and nothing else under the prefix', async () => {
    await store.put('work/j/job.json', JSON.stringify(plan(2)));
    await store.put('work/j/splits.jsonl', splitLines());
    const reader = new MapBytesReader(() => store);
    expect(await reader.bytes(input, running)).toEqual({ total: 60, read: 0 });
    // The task of splits 2 (alone: the last batch) wrote its shuffle object; the others only
    // look like one.
    await store.put('work/j/shuffle/2/map-00002.bin', 'x');
    await store.put('work/j/shuffle/0/map-00000.bin.part', 'x');
    await store.put('work/j/shuffle/zz/map-00000.bin', 'x');
    await store.put('work/j/parts/part-00000', 'x');
    await store.put('work/other/shuffle/0/map-00000.bin', 'x');
    expect(await reader.bytes(input, running)).toEqual({ total: 60, read: 30 });
    await store.put('work/j/shuffle/0/map-00000.bin', 'x');
    expect(await reader.bytes(input, running)).toEqual({ total: 60, read: 60 });
  });

  it('counts a map-only job’s staged parts, and a stage that succeeded whole once its splits are gone', async () => {
    await store.put('work/j/job.json', JSON.stringify(plan(0)));
    await store.put('work/j/splits.jsonl', splitLines());
    await store.put('work/j/parts/part-00000', 'x');
    expect(await new MapBytesReader(() => store).bytes(input, running)).toEqual({ total: 60, read: 30 });
    await store.delete(['work/j/splits.jsonl', 'work/j/parts/part-00000']);
    const ended = { running: false, allSucceeded: true, items: sizes.length };
    expect(await new MapBytesReader(() => store).bytes(input, ended)).toEqual({ total: 60, read: 60 });
    // Ended with failures and the splits gone: the bytes cannot be known exactly.
    expect(
      await new MapBytesReader(() => store).bytes(input, { ...ended, allSucceeded: false }),
    ).toBeUndefined();
  });

  it('gives no bytes for a plan of another number of splits than the stage has items, or no plan', async () => {
    await store.put('work/j/job.json', JSON.stringify(plan(2)));
    await store.put('work/j/splits.jsonl', splitLines());
    expect(await new MapBytesReader(() => store).bytes(input, { ...running, items: 4 })).toBeUndefined();
    await store.delete(['work/j/job.json']);
    expect(await new MapBytesReader(() => store).bytes(input, running)).toBeUndefined();
  });

  it('refuses a forged plan or split, naming the object and the line', async () => {
    await store.put('work/j/job.json', JSON.stringify(plan(2, 'someone-else')));
    await store.put('work/j/splits.jsonl', splitLines());
    await expect(new MapBytesReader(() => store).bytes(input, running)).rejects.toThrow(
      /plan at .*work\/j\/job\.json belongs to job someone-else, not j/,
    );
    await store.put('work/j/job.json', JSON.stringify(plan(2)));
    await store.put(
      'work/j/splits.jsonl',
      `${splitLines()}{"id":3,"uri":"s3://data/in/a","start":0,"end":9,"size":-9}\n`,
    );
    const forged = new MapBytesReader(() => store).bytes(input, { ...running, items: 4 });
    await expect(forged).rejects.toBeInstanceOf(TaskInputError);
    await expect(forged).rejects.toThrow(/work\/j\/splits\.jsonl line 4 is not a split: size: /);
  });
});
