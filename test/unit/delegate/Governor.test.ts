import { afterEach, describe, expect, it } from 'vitest';
import { http } from '../../../framework/delegate/builders.js';
import { Governor, type Permit } from '../../../framework/delegate/Governor.js';
import { resolvePolicy } from '../../../framework/delegate/policy.js';
import { createCallRun } from '../../../framework/delegate/runCalls.js';
import { type CallServer, maxInWindow, startCallServer } from '../../support/callServer.js';
import { rng } from '../../support/rng.js';

let server: CallServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A governor on a clock the test moves; it never needs to sleep without a rate limit. */
function governor(concurrency: number, adaptive = true) {
  return new Governor(resolvePolicy({ concurrency, adaptive }), {
    now: () => 0,
    sleep: () => new Promise(() => {}),
  });
}

/** Keeps `demand` calls asking; `release` ends the calls granted so far with an outcome. */
function demand(g: Governor, calls = 1_000) {
  const granted: Permit[] = [];
  for (let i = 0; i < calls; i++) void g.acquire().then((p) => granted.push(p));
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    async release(outcome: 'ok' | 'throttled') {
      await settle();
      const now = granted.splice(0);
      for (const p of now) p.release(outcome);
      await settle();
      return now.length;
    },
  };
}

describe('the governor', () => {
  it('cuts the adaptive limit once per window of throttles, and grows it back one per window', async () => {
    const g = governor(64);
    const calls = demand(g);
    expect(g.stats().limit).toBe(8);
    // Slow start: a window of successes doubles the limit.
    expect(await calls.release('ok')).toBe(8);
    expect(g.stats().limit).toBe(16);
    expect(await calls.release('ok')).toBe(16);
    expect(g.stats().limit).toBe(32);
    // Every call of the window is throttled: one cut, not 32 (×0.7, rounded down).
    expect(await calls.release('throttled')).toBe(32);
    expect(g.stats()).toMatchObject({ limit: Math.floor(32 * 0.7), cuts: 1, throttled: 32 });
    // Then additive growth: one per window of `limit` successes.
    const limit = g.stats().limit;
    expect(await calls.release('ok')).toBe(limit);
    expect(g.stats().limit).toBe(limit + 1);
  });

  it('never goes under 1 nor over the ceiling, and holds the ceiling when not adaptive', async () => {
    const g = governor(4);
    const calls = demand(g, 10_000);
    for (let i = 0; i < 10; i++) await calls.release('throttled');
    expect(g.stats().limit).toBe(1);
    for (let i = 0; i < 50; i++) await calls.release('ok');
    expect(g.stats().limit).toBe(4);
    const fixed = governor(16, false);
    await demand(fixed).release('throttled');
    expect(fixed.stats().limit).toBe(16);
  });

  it('does not grow the limit while calls do not fill it', async () => {
    const g = governor(64);
    for (let i = 0; i < 100; i++) (await g.acquire()).release('ok');
    expect(g.stats().limit).toBe(8);
  });

  it('keeps the concurrency ceiling, measured by the server', async () => {
    const random = rng(7);
    server = await startCallServer(() => ({ json: {}, delayMs: 2 + Math.floor(random() * 20) }));
    const task = http(`${server.url}/x`).get();
    for (const adaptive of [false, true]) {
      const run = createCallRun({ jobId: `ceiling-${adaptive}`, concurrency: 12, adaptive });
      const results = await run.run(Array.from({ length: 400 }, (_, index) => ({ index, task })));
      expect(results.every((r) => r.ok)).toBe(true);
    }
    expect(server.maxInFlight()).toBe(12);
  });

  it('keeps the rate: never more than ratePerSecond calls in any second, measured by the server', async () => {
    server = await startCallServer(() => ({ json: {} }));
    const task = http(`${server.url}/x`).get();
    const run = createCallRun({ jobId: 'rate', concurrency: 64, ratePerSecond: 40 });
    await run.run(Array.from({ length: 100 }, (_, index) => ({ index, task })));
    const arrivals = server.requests.map((r) => r.arrivedAt);
    expect(arrivals).toHaveLength(100);
    // 50 ms of slack for the way from the client's clock to the server's arrival time.
    expect(maxInWindow(arrivals, 950)).toBeLessThanOrEqual(40);
    // and bursts stay small: in 50 ms, 1/20 s worth of the rate (2 calls) and the 2 calls the
    // bucket refills, plus one for the slack.
    expect(maxInWindow(arrivals, 50)).toBeLessThanOrEqual(5);
  });

  it('shares the limits across the batches of one run', async () => {
    server = await startCallServer(() => ({ json: {}, delayMs: 10 }));
    const task = http(`${server.url}/x`).get();
    const run = createCallRun({ jobId: 'batches', concurrency: 10, adaptive: false });
    const batches = Array.from({ length: 4 }, (_, b) =>
      run.run(Array.from({ length: 50 }, (_, i) => ({ index: b * 50 + i, task }))),
    );
    const results = (await Promise.all(batches)).flat();
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(server.maxInFlight()).toBeLessThanOrEqual(10);
  });

  it('finds the limit of a service that throttles beyond 50 calls in flight', async () => {
    const LIMIT = 50;
    const random = rng(50);
    server = await startCallServer((req) =>
      req.inFlight > LIMIT ? { status: 429 } : { json: {}, delayMs: 8 + Math.floor(random() * 8) },
    );
    const task = http(`${server.url}/x`).get();
    const run = createCallRun({ jobId: 'adaptive', concurrency: 256, retries: 8, baseDelayMs: 5 });
    const results = await run.run(Array.from({ length: 4_000 }, (_, index) => ({ index, task })));
    expect(results.every((r) => r.ok)).toBe(true);
    const throttled = (from: number) => {
      const rest = server?.requests.slice(from) ?? [];
      return rest.filter((r) => r.reply?.status === 429).length / rest.length;
    };
    // After the first fifth of the calls, under 5 % throttled (the sawtooth makes well under 1 %).
    const after = Math.floor((server?.requests.length ?? 0) / 5);
    expect(throttled(after)).toBeLessThan(0.05);
    // And the limit did not collapse: the service was kept busy.
    const busy = server.requests.slice(after).map((r) => r.inFlight);
    const mean = busy.reduce((a, b) => a + b, 0) / busy.length;
    expect(mean).toBeGreaterThan(LIMIT / 3);
  });
});
