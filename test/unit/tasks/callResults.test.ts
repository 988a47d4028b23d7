import { describe, expect, it } from 'vitest';
import { latencyBucket, percentiles, taskPolicy } from '../../../framework/tasks/callResults.js';
import { rng } from '../../support/rng.js';

describe('latency percentiles of a delegate job', () => {
  it('merge the tasks’ histograms into the percentiles of all calls, within the buckets’ precision', () => {
    const random = rng(3);
    const tasks = Array.from({ length: 5 }, () =>
      Array.from({ length: 200 }, () => Math.floor(random() ** 3 * 5000)),
    );
    const histograms = tasks.map((calls) => {
      const h = new Map<number, number>();
      for (const ms of calls) h.set(latencyBucket(ms), (h.get(latencyBucket(ms)) ?? 0) + 1);
      return [...h] as [number, number][];
    });
    // Nearest rank over every call, sorted the plain way.
    const all = tasks.flat().sort((a, b) => a - b);
    const rank = (q: number) => all[Math.ceil(q * all.length) - 1] ?? 0;
    const got = percentiles(histograms);
    for (const [name, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      expect(got[name]).toBe(latencyBucket(rank(q)));
      expect(Math.abs(got[name] - rank(q))).toBeLessThanOrEqual(Math.max(1, rank(q) * 0.05));
    }
  });
});

describe('taskPolicy', () => {
  const stage = {
    output: 'results',
    timeoutMs: 1000,
    retries: 2,
    callsPerTask: 10,
    maxFailed: { count: 0 },
  } as const;
  it('divides the job’s limits among its tasks, whole, each batch starting paced', () => {
    for (const [concurrency, tasks, rate] of [
      [64, 2, 100],
      [100, 4, 1000],
      [8, 1, 20],
      [33, 2, 9],
    ] as const) {
      const p = taskPolicy({ ...stage, concurrency, tasks, ratePerSecond: rate });
      expect((p.concurrency ?? 0) * tasks).toBeLessThanOrEqual(concurrency);
      // The whole rate, shared: a paced start leaves no room to keep for a batch's burst.
      expect((p.ratePerSecond ?? 0) * tasks).toBeCloseTo(rate, 9);
      expect(p.rateStart).toBe('paced');
    }
    expect(taskPolicy({ ...stage, concurrency: 64, tasks: 2 }).ratePerSecond).toBeUndefined();
  });
});
