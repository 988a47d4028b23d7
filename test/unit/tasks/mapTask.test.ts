import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type Emit, lines } from '../../../framework/index.js';
import type { Key, Split } from '../../../framework/job/types.js';
import { encodeKey, mergeRuns, partitionOf, readShuffleIndex } from '../../../framework/shuffle/index.js';
import { mapTask } from '../../../framework/tasks/mapTask.js';
import { workKeys } from '../../../framework/tasks/payloads.js';
import {
  groupBy,
  keyId,
  listKeys,
  makeText,
  ownedLines,
  plainEmits,
  type TaskEnv,
  taskEnv,
} from './support.js';

/** Emits string, number and composite keys, so every key kind is partitioned and sorted. */
const mixed = defineJob({
  input: lines(),
  map(line, emit: Emit<Key, number>) {
    const words = line.split(' ').filter((w) => w !== '');
    words.forEach((word, i) => {
      if (i % 3 === 0) emit(word, word.length);
      else if (i % 3 === 1) emit(word.length, i);
      else emit([word.slice(0, 1), i], 1);
    });
  },
  reduce: (_key: Key, values: number[]) => values.reduce((a, b) => a + b, 0),
});

/** Map-only: each line keyed by its byte offset. */
const mapOnly = defineJob({
  input: lines(),
  map(line, emit: Emit<[string, number], string>, ctx) {
    if (!line.startsWith('x')) emit([ctx.uri.slice(ctx.uri.lastIndexOf('/') + 1), ctx.offset], line);
  },
});

const INPUTS = {
  'a.txt': makeText(1, 900),
  'b.txt': makeText(2, 700, { crlf: true }),
  'c.txt': '',
};

let env: TaskEnv | undefined;
afterEach(() => env?.cleanup());

/** Reads a shuffle object back: per partition, its key groups as `mergeRuns` gives them. */
async function readShuffle(e: TaskEnv, key: string) {
  const size = (await e.work.head(key))?.size ?? 0;
  const index = await readShuffleIndex({
    name: key,
    size,
    readRange: (start, end) => e.work.getRange(key, { start, end }),
  });
  const partitions: { key: Key; values: unknown[] }[][] = [];
  for (const run of index) {
    const bytes = await e.work.getRange(key, { start: run.offset, end: run.offset + run.length });
    const groups: { key: Key; values: unknown[] }[] = [];
    for await (const group of mergeRuns<Key, unknown>([bytes])) groups.push(group);
    partitions.push(groups);
  }
  return { size, partitions };
}

function expectShuffleEqualsPlain(
  partitions: { key: Key; values: unknown[] }[][],
  reducers: number,
  splits: readonly Split[],
) {
  expect(partitions).toHaveLength(reducers);
  const got = new Map<string, unknown[]>();
  partitions.forEach((groups, p) => {
    groups.forEach((group, i) => {
      expect(partitionOf(encodeKey(group.key), reducers), `partition of ${keyId(group.key)}`).toBe(p);
      const previous = groups[i - 1];
      if (previous) expect(Buffer.compare(encodeKey(previous.key), encodeKey(group.key))).toBe(-1);
      expect(got.has(keyId(group.key)), `${keyId(group.key)} twice`).toBe(false);
      got.set(keyId(group.key), group.values);
    });
  });
  const expected = groupBy(plainEmits(mixed, splits));
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, { values }] of expected) expect(got.get(id), id).toEqual(values);
}

describe('mapTask with a reducer', () => {
  it.each([
    { budget: 1 << 20, spills: false },
    { budget: 8 << 10, spills: true },
  ])('writes one shuffle object equal to a plain group-by (budget $budget)', async ({ budget, spills }) => {
    env = await taskEnv(mixed, INPUTS, { reducers: 5, splitSize: 4096, memoryBudget: budget });
    const result = await mapTask({ BatchInput: env.ref, Items: env.splits }, env.deps);

    const key = workKeys.shuffle(env.ref, 0);
    expect(result.shuffle?.key).toBe(key);
    expect(await listKeys(env.work, `${env.ref.prefix}shuffle/`)).toEqual([key]);
    const { size, partitions } = await readShuffle(env, key);
    expect(result.shuffle?.bytes).toBe(size);
    expectShuffleEqualsPlain(partitions, 5, env.splits);

    const owned = env.splits.flatMap(ownedLines);
    expect(result.recordsIn).toBe(owned.length);
    expect(result.recordsOut).toBe(plainEmits(mixed, env.splits).length);
    expect(result.bytesIn).toBe(owned.reduce((n, l) => n + l.bytes, 0));
    expect(result.splits).toEqual(env.splits.map((s) => s.id));
    expect(result.spills > 0).toBe(spills);
    // The spill directory is gone.
    expect(readdirSync(env.deps.tmpDir)).toEqual([]);
  });

  it('gives byte-identical output at the same key when run again', async () => {
    env = await taskEnv(mixed, INPUTS, { reducers: 4, splitSize: 8192, memoryBudget: 16 << 10 });
    const event = { BatchInput: env.ref, Items: env.splits.slice(1, 4) };
    const first = await mapTask(event, env.deps);
    const key = first.shuffle?.key ?? '';
    const bytes = await env.work.get(key);
    const second = await mapTask(event, env.deps);
    expect(second.shuffle).toEqual(first.shuffle);
    expect((await env.work.get(key)).equals(bytes)).toBe(true);
    expect(await listKeys(env.work, `${env.ref.prefix}shuffle/`)).toEqual([key]);
  });

  // Express child executions are at-least-once: two attempts of one batch may run at once.
  it('gives the same object when two attempts of one batch run at the same time', async () => {
    env = await taskEnv(mixed, INPUTS, { reducers: 4, splitSize: 8192, memoryBudget: 16 << 10 });
    const event = { BatchInput: env.ref, Items: env.splits.slice(0, 3) };
    const [a, b] = await Promise.all([mapTask(event, env.deps), mapTask(event, env.deps)]);
    expect(b.shuffle).toEqual(a.shuffle);
    const key = a.shuffle?.key ?? '';
    expect(await listKeys(env.work, `${env.ref.prefix}shuffle/`)).toEqual([key]);
    const { size, partitions } = await readShuffle(env, key);
    expect(size).toBe(a.shuffle?.bytes);
    expectShuffleEqualsPlain(partitions, 4, env.splits.slice(0, 3));
  });

  it('writes a batch of splits from several files as one object keyed by the first split id', async () => {
    env = await taskEnv(mixed, INPUTS, { reducers: 3, splitSize: 2048 });
    const firstOfB = env.splits.findIndex((s) => s.uri.endsWith('/b.txt'));
    const batch = env.splits.slice(firstOfB - 3, firstOfB + 4);
    expect(new Set(batch.map((s) => s.uri)).size).toBe(2);
    const first = batch[0] as Split;
    expect(first.id).toBeGreaterThan(0);

    const result = await mapTask({ BatchInput: env.ref, Items: batch }, env.deps);
    expect(result.shuffle?.key).toBe(workKeys.shuffle(env.ref, first.id));
    expect(await listKeys(env.work, `${env.ref.prefix}shuffle/`)).toEqual([result.shuffle?.key]);
    const { partitions } = await readShuffle(env, result.shuffle?.key ?? '');
    expectShuffleEqualsPlain(partitions, 3, batch);
    expect(result.recordsIn).toBe(batch.flatMap(ownedLines).length);
  });
});

describe('mapTask without a reducer', () => {
  it('stages one part with the records of its splits in input order', async () => {
    env = await taskEnv(mapOnly, INPUTS, { splitSize: 4096 });
    const batch = env.splits.slice(2, 9);
    const result = await mapTask({ BatchInput: env.ref, Items: batch }, env.deps);
    const key = workKeys.part(env.ref, batch[0]?.id ?? -1);
    expect(result.shuffle).toBeUndefined();
    expect(await listKeys(env.work, `${env.ref.prefix}shuffle/`)).toEqual([]);
    expect(await listKeys(env.work, `${env.ref.prefix}parts/`)).toEqual([key]);

    const body = await env.work.get(key);
    const expected = plainEmits(mapOnly, batch).map(([k, value]) => ({ key: k, value }));
    const records = body
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    expect(records).toEqual(expected);
    expect(result.part).toEqual({
      part: batch[0]?.id,
      key,
      records: expected.length,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(result.recordsIn).toBe(batch.flatMap(ownedLines).length);
    expect(result.recordsOut).toBe(expected.length);
  });
});
