import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { combineStepOf } from '../../../framework/aggregate/helpers.js';
import { count, max, min } from '../../../framework/aggregate/index.js';
import type { Key } from '../../../framework/job/types.js';
import {
  encodeKey,
  InvalidKeyError,
  MapOutputBuffer,
  nodeShuffleFs,
  partitionOf,
  ShuffleIoError,
} from '../../../framework/shuffle/index.js';
import { compareKeys, keyId } from './keys.js';
import { emittedPairs, groupBy, type Pair, readShuffleFile } from './shuffleFiles.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stepmr-mapbuffer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sum = (_key: Key, values: number[]): number => values.reduce((a, b) => a + b, 0);

async function shuffle(
  pairs: readonly Pair[],
  options: {
    combine?: typeof sum;
    combineStep?: (a: number, b: number) => number;
    budget: number;
    partitions: number;
  },
) {
  const buffer = new MapOutputBuffer<Key, number>({
    partitions: options.partitions,
    memoryBudgetBytes: options.budget,
    spillDir: dir,
    ...(options.combine === undefined ? {} : { combine: options.combine }),
    ...(options.combineStep === undefined ? {} : { combineStep: options.combineStep }),
  });
  for (const [key, value] of pairs) buffer.add(key, value);
  const output = await buffer.finish();
  return { output, read: readShuffleFile(output.path), buffer };
}

/** Every partition sorted strictly by the independent comparator, each key in its own partition. */
function expectSortedAndPartitioned(partitions: { key: Key }[][], count: number): void {
  partitions.forEach((groups, p) => {
    for (let i = 0; i < groups.length; i++) {
      const key = (groups[i] as { key: Key }).key;
      expect(partitionOf(encodeKey(key), count)).toBe(p);
      if (i > 0) expect(compareKeys((groups[i - 1] as { key: Key }).key, key)).toBeLessThan(0);
    }
  });
}

describe.each([
  ['in memory', 64 << 20],
  ['with a tiny budget (many spills)', 3000],
])('MapOutputBuffer %s', (_name, budget) => {
  const pairs = emittedPairs(20_000, 5);
  const expected = groupBy(pairs);

  it('without a combiner keeps every value of every key, in emission order', async () => {
    const { output, read } = await shuffle(pairs, { budget, partitions: 7 });
    expectSortedAndPartitioned(read.partitions, 7);
    const got = new Map(read.partitions.flat().map((g) => [keyId(g.key), { key: g.key, values: g.values }]));
    expect(got).toEqual(expected);
    expect(output).toMatchObject({ keys: expected.size, values: pairs.length, emitted: pairs.length });
    expect(output.records).toBe(read.index.reduce((n, run) => n + run.records, 0));
    if (budget < 10_000) expect(output.spills).toBeGreaterThan(10);
    else expect(output.spills).toBe(0);
  });

  it('with a combiner writes one combined value per key', async () => {
    const { output, read } = await shuffle(pairs, { budget, partitions: 5, combine: sum });
    expectSortedAndPartitioned(read.partitions, 5);
    const got = new Map(read.partitions.flat().map((g) => [keyId(g.key), g.values]));
    expect(got).toEqual(new Map([...expected].map(([id, g]) => [id, [g.values.reduce((a, b) => a + b, 0)]])));
    expect(output).toMatchObject({ records: expected.size, keys: expected.size, values: expected.size });
    if (budget < 10_000) expect(output.spills).toBeGreaterThan(10);
  });

  it('with a one-value fold (count) writes the same counts as a plain loop', async () => {
    const combineStep = combineStepOf(count.combine) as (a: number, b: number) => number;
    const { output, read } = await shuffle(pairs, {
      budget,
      partitions: 5,
      combine: count.combine,
      combineStep,
    });
    expectSortedAndPartitioned(read.partitions, 5);
    const got = new Map(read.partitions.flat().map((g) => [keyId(g.key), g.values]));
    const counts = new Map<string, number[]>();
    for (const [key, value] of pairs) counts.set(keyId(key), [(counts.get(keyId(key))?.[0] ?? 0) + value]);
    expect(got).toEqual(counts);
    expect(output).toMatchObject({ records: expected.size, keys: expected.size, emitted: pairs.length });
    if (budget < 10_000) expect(output.spills).toBeGreaterThan(10);
  });

  it.each([
    ['min', min, Math.min],
    ['max', max, Math.max],
  ] as const)(
    'with a one-value fold (%s) writes the same extremes as a plain loop',
    async (_n, helper, pick) => {
      const combineStep = combineStepOf(helper.combine) as (a: number, b: number) => number;
      const signed: Pair[] = pairs.map(([key, value], i) => [
        key,
        (value as number) * (i % 3 === 0 ? -1.5 : 1),
      ]);
      const { read } = await shuffle(signed, { budget, partitions: 5, combine: helper.combine, combineStep });
      expectSortedAndPartitioned(read.partitions, 5);
      const got = new Map(read.partitions.flat().map((g) => [keyId(g.key), g.values]));
      const plain = new Map<string, number[]>();
      for (const [key, value] of signed) {
        const seen = plain.get(keyId(key))?.[0];
        plain.set(keyId(key), [seen === undefined ? (value as number) : pick(seen, value as number)]);
      }
      expect(got).toEqual(plain);
    },
  );
});

describe('MapOutputBuffer', () => {
  it('folds a hot key with the combiner many times and still sums exactly', async () => {
    const pairs: Pair[] = Array.from({ length: 300_000 }, (_, i) => [
      i % 3 === 0 ? 'hot' : `k${i % 1000}`,
      1,
    ]);
    let calls = 0;
    const counting = (key: Key, values: number[]) => {
      calls++;
      return sum(key, values);
    };
    const { read } = await shuffle(pairs, { budget: 64 << 20, partitions: 3, combine: counting });
    const got = new Map(read.partitions.flat().map((g) => [keyId(g.key), g.values]));
    expect(got.get(keyId('hot'))).toEqual([100_000]);
    expect(got.get(keyId('k1'))).toEqual([200]);
    expect(calls).toBeGreaterThan(0);
  });

  it('sorts short keys that share a prefix with U+0000 and with each other', async () => {
    const alphabet = ['\u0000', '\u0001', 'a', '\u00ff'];
    const strings = [''];
    for (let length = 1; length <= 3; length++) {
      for (const s of strings.filter((x) => x.length === length - 1))
        for (const c of alphabet) strings.push(s + c);
    }
    const keys: Key[] = [...strings, null, true, false, 0, -1, [], [''], ['\u0000'], [null]];
    const pairs: Pair[] = keys.flatMap((key, i) => [[key, i] as const, [key, i] as const]);
    const { read } = await shuffle(pairs, { budget: 64 << 20, partitions: 1 });
    expectSortedAndPartitioned(read.partitions, 1);
    expect(read.partitions[0]?.length).toBe(keys.length);
  });

  it('cuts a very long value list into several entries that read back as one group', async () => {
    const pairs: Pair[] = Array.from({ length: 10_000 }, (_, i) => ['same', i]);
    const { output, read } = await shuffle(pairs, { budget: 64 << 20, partitions: 2 });
    expect(output.records).toBeGreaterThan(1);
    expect(output.keys).toBe(1);
    expect(read.partitions.flat()).toEqual([{ key: 'same', values: pairs.map(([, v]) => v) }]);
  });

  it('round-trips JSON-like values exactly', async () => {
    const values = [{ a: 1, b: [true, null, 'x'], c: { d: -2.5 } }, 'text', 2 ** 40, -7, 0.1, [], {}];
    const buffer = new MapOutputBuffer<string, unknown>({
      partitions: 1,
      memoryBudgetBytes: 1 << 20,
      spillDir: dir,
    });
    for (const value of values) buffer.add('k', value);
    const { read } = { read: readShuffleFile((await buffer.finish()).path) };
    expect(read.partitions[0]).toEqual([{ key: 'k', values }]);
  });

  it('writes entries and footers larger than its 1 MiB write chunk', async () => {
    const big = 'x'.repeat(3 << 20);
    for (const budget of [64 << 20, 1000]) {
      const buffer = new MapOutputBuffer<string, string>({
        partitions: 40_000,
        memoryBudgetBytes: budget,
        spillDir: dir,
      });
      buffer.add('big', big);
      buffer.add('small', 's');
      buffer.add('big', 'y');
      const output = await buffer.finish();
      const groups = readShuffleFile(output.path).partitions.flat();
      expect(groups).toEqual(
        expect.arrayContaining([
          { key: 'big', values: [big, 'y'] },
          { key: 'small', values: ['s'] },
        ]),
      );
      expect(groups).toHaveLength(2);
      buffer.dispose();
    }
  });

  it('rejects keys that are not keys, naming them', () => {
    const buffer = new MapOutputBuffer<Key, number>({
      partitions: 2,
      memoryBudgetBytes: 1 << 20,
      spillDir: dir,
    });
    expect(() => buffer.add({ id: 1 } as unknown as Key, 1)).toThrow(InvalidKeyError);
    expect(() => buffer.add(Number.NaN, 1)).toThrow(/NaN/);
    expect(() => buffer.add('\uDC00x', 1)).toThrow(/lone surrogate/);
    expect(() => buffer.add(undefined as unknown as Key, 1)).toThrow(InvalidKeyError);
  });

  it('fails with a retryable ShuffleIoError when a spill cannot be written', () => {
    const full = {
      ...nodeShuffleFs,
      writeSync: () => {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    };
    const buffer = new MapOutputBuffer<string, number>({
      partitions: 2,
      memoryBudgetBytes: 500,
      spillDir: dir,
      deps: { fs: full },
    });
    let error: unknown;
    try {
      for (let i = 0; i < 1000; i++) buffer.add(`key${i}`, i);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ShuffleIoError);
    expect(error).toMatchObject({ name: 'ShuffleIoError', retryable: true });
    expect(String(error)).toContain('ENOSPC');
  });

  it('removes its spill files after finish and its directory on dispose', async () => {
    const buffer = new MapOutputBuffer<string, number>({
      partitions: 2,
      memoryBudgetBytes: 2000,
      spillDir: dir,
    });
    for (let i = 0; i < 5000; i++) buffer.add(`key${i % 800}`, i);
    const output = await buffer.finish();
    expect(output.spills).toBeGreaterThan(0);
    const [work] = readdirSync(dir);
    expect(readdirSync(join(dir, work as string))).toEqual(['shuffle.smr']);
    expect(() => buffer.add('late', 1)).toThrow('after finish');
    buffer.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });
});
