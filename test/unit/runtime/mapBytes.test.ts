import { describe, expect, it } from 'vitest';
import { finishedSplits, jobInputOf } from '../../../framework/runtime/mapBytes.js';
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
