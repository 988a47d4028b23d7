import { describe, expect, it } from 'vitest';
import type { Invoker } from '../../../../framework/engine/Invoker.js';
import { boundedInvoker } from '../../../../framework/runtime/offline/boundedInvoker.js';

/** An invoker whose invocations end when the test says, counting how many run at once. */
function gatedInvoker() {
  const open: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const settle = () => new Promise((done) => setTimeout(done, 5));
  const invoker: Invoker = {
    async invoke(_arn, payload) {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((done) => open.push(done));
      running--;
      return { payload, responseBytes: 0 };
    },
  };
  return {
    invoker,
    get most() {
      return most;
    },
    get running() {
      return running;
    },
    async releaseAll() {
      await settle();
      while (open.length > 0) {
        for (const go of open.splice(0)) go();
        await settle();
      }
    },
    settle,
  };
}

describe('boundedInvoker', () => {
  it('runs at most `limit` invocations at once and returns every result, in full', async () => {
    const gate = gatedInvoker();
    const bounded = boundedInvoker(gate.invoker, 3);
    const calls = Array.from({ length: 10 }, (_, i) => bounded.invoke('fn', { i }));
    await gate.settle();
    expect(gate.running).toBe(3);
    await gate.releaseAll();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.payload)).toEqual(Array.from({ length: 10 }, (_, i) => ({ i })));
    expect(gate.most).toBe(3);
  });

  it('drops a queued invocation whose execution was stopped, without running it', async () => {
    const gate = gatedInvoker();
    const bounded = boundedInvoker(gate.invoker, 1);
    const first = bounded.invoke('fn', 1);
    const stop = new AbortController();
    const queued = bounded.invoke('fn', 2, { signal: stop.signal });
    stop.abort(new Error('stopped'));
    await expect(queued).rejects.toThrow('stopped');
    await gate.releaseAll();
    expect((await first).payload).toBe(1);
    expect(gate.most).toBe(1);
    // The slot is free again.
    const next = bounded.invoke('fn', 3);
    await gate.releaseAll();
    expect((await next).payload).toBe(3);
  });

  it('refuses a limit below 1', () => {
    expect(() => boundedInvoker(gatedInvoker().invoker, 0)).toThrow(/1 or more; got 0/);
  });
});
