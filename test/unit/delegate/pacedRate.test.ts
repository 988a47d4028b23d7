import { describe, expect, it } from 'vitest';
import { Governor } from '../../../framework/delegate/Governor.js';
import { resolvePolicy } from '../../../framework/delegate/policy.js';
import type { CallPolicy } from '../../../framework/delegate/types.js';
import { maxInWindow } from '../../support/callServer.js';

/**
 * Governors that follow one another on one share of a rate, as the batches of a delegate task
 * do, on a clock the test moves: each batch asks for all its calls at once and ends when its
 * last call starts; the next batch's governor is made at that instant. The calls started in
 * any second, all batches together, are counted against the rate.
 */

/** A clock whose sleeps end in time order as the test advances it. */
function clock() {
  let now = 0;
  const timers: { at: number; done: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((done) => {
        timers.push({ at: now + ms, done });
      }),
    /** Runs the next timer (its time becomes now); false when none is left. */
    async step(): Promise<boolean> {
      await new Promise((r) => setImmediate(r));
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (!next) return false;
      now = Math.max(now, next.at);
      next.done();
      await new Promise((r) => setImmediate(r));
      return true;
    },
  };
}

/**
 * Starts of batches run back to back on fresh governors of `policy`. A batch is waves of calls:
 * each wave asks for its calls at once when the one before it has started all of its own and
 * 100 ms more have passed with nothing to call (a service that kept every slot busy), so the
 * bucket is full when the wave comes.
 */
async function chain(policy: CallPolicy, batches: readonly (readonly number[])[]): Promise<number[]> {
  const time = clock();
  const starts: number[] = [];
  for (const waves of batches) {
    const governor = new Governor(resolvePolicy(policy), time);
    for (const [w, calls] of waves.entries()) {
      if (w > 0) {
        void time.sleep(100);
        while (await time.step());
      }
      let granted = 0;
      for (let i = 0; i < calls; i++) {
        void governor.acquire().then((permit) => {
          starts.push(time.now());
          granted++;
          permit.release('ok');
        });
      }
      await new Promise((r) => setImmediate(r));
      while (granted < calls) if (!(await time.step())) throw new Error('the governor stopped granting');
    }
  }
  return starts;
}

describe('a rate shared by batches that follow one another', () => {
  // At 100/s a burst is 5 calls. The second batch waits with a full bucket, then makes 55
  // calls in about half a second, its last as the third batch starts.
  const batches = [[200], [30, 55], [200], [30], [30]];
  const total = 545;

  it('passes the rate at a boundary when each batch starts with a full bucket (the control)', async () => {
    const starts = await chain({ ratePerSecond: 100, concurrency: 1000, rateStart: 'burst' }, batches);
    expect(starts).toHaveLength(total);
    expect(maxInWindow(starts, 1000)).toBeGreaterThan(100);
  });

  it('never passes it in any second when each batch starts paced, and loses 1/20 s a batch', async () => {
    const starts = await chain({ ratePerSecond: 100, concurrency: 1000, rateStart: 'paced' }, batches);
    expect(starts).toHaveLength(total);
    expect(maxInWindow(starts, 1000)).toBeLessThanOrEqual(100);
    // At 100 calls a second, 545 calls take 5.45 s, and the 100 ms without calls; each of the
    // 5 batches waits one burst (5 calls, 50 ms) longer before its first call.
    const last = starts.at(-1) ?? 0;
    expect(last).toBeGreaterThanOrEqual(5450 + 100 - 10);
    expect(last).toBeLessThanOrEqual(5450 + 100 + 5 * 50 + 10);
  });
});
