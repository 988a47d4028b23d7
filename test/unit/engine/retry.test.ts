import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../framework/engine/index.js';
import { errorMatches, retryDelayMs } from '../../../framework/engine/retry.js';
import {
  autoClock,
  expectValidAsl,
  flush,
  fn,
  functionError,
  manualClock,
  runAsl,
  testEngine,
} from './support/fakes.js';

/** A function that fails with the given error types in turn, then returns 'ok'. */
function failing(errors: string[]) {
  let call = 0;
  return () => {
    const error = errors[call++];
    if (error) throw functionError(error, `failure ${call}`);
    return 'ok';
  };
}

function task(retry: unknown[], extra: Record<string, unknown> = {}) {
  const catchers = (extra.Catch ?? []) as { Next: string }[];
  const targets = Object.fromEntries(catchers.map((c) => [c.Next, { Type: 'Pass', End: true }]));
  return {
    StartAt: 'T',
    States: {
      T: { Type: 'Task', Resource: fn('f'), Retry: retry, Next: 'Done', ...extra },
      Done: { Type: 'Pass', End: true },
      ...targets,
    },
  };
}

describe('error matching', () => {
  it('States.ALL matches everything but the terminal errors', () => {
    expect(errorMatches(['States.ALL'], 'Lambda.Unknown')).toBe(true);
    expect(errorMatches(['States.ALL'], 'States.Timeout')).toBe(true);
    expect(errorMatches(['States.ALL'], 'States.DataLimitExceeded')).toBe(false);
    expect(errorMatches(['States.DataLimitExceeded'], 'States.DataLimitExceeded')).toBe(true);
    expect(errorMatches(['States.ALL'], 'States.Runtime')).toBe(false);
    expect(errorMatches(['States.Runtime'], 'States.Runtime')).toBe(false);
  });

  it('States.TaskFailed matches any error except States.Timeout', () => {
    expect(errorMatches(['States.TaskFailed'], 'MyError')).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'States.Timeout')).toBe(false);
    expect(errorMatches(['Other', 'MyError'], 'MyError')).toBe(true);
    expect(errorMatches(['Other'], 'MyError')).toBe(false);
  });
});

describe('retry delays', () => {
  it('IntervalSeconds × BackoffRate^(attempt-1), defaults 1 and 2, capped by MaxDelaySeconds', () => {
    const none = { ErrorEquals: ['X'] };
    expect([1, 2, 3, 4].map((a) => retryDelayMs(none, a, Math.random))).toEqual([1000, 2000, 4000, 8000]);
    const capped = { ErrorEquals: ['X'], IntervalSeconds: 3, BackoffRate: 3, MaxDelaySeconds: 20 };
    expect([1, 2, 3, 4].map((a) => retryDelayMs(capped, a, Math.random))).toEqual([3000, 9000, 20000, 20000]);
  });

  it('JitterStrategy FULL picks a delay in [0, delay]', () => {
    const full = { ErrorEquals: ['X'], IntervalSeconds: 2, JitterStrategy: 'FULL' as const };
    expect(retryDelayMs(full, 3, () => 0)).toBe(0);
    expect(retryDelayMs(full, 3, () => 0.999_999)).toBeLessThanOrEqual(8000);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ceiling = 2000 * 2 ** (attempt - 1);
      for (let i = 0; i < 20; i++) {
        const delay = retryDelayMs(full, attempt, Math.random);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describe('Retry on a Task', () => {
  it('sleeps the exact backoff sequence (JitterStrategy NONE) and succeeds', async () => {
    const clock = autoClock();
    const events: EngineEvent[] = [];
    const { engine, invoker } = testEngine(
      { f: failing(['E', 'E', 'E']) },
      { deps: clock.deps, onEvent: (e) => events.push(e) },
    );
    const retrier = { ErrorEquals: ['E'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3 };
    const execution = await runAsl(engine, task([retrier]));
    expect(execution.status).toBe('SUCCEEDED');
    expect(invoker.calls).toHaveLength(4);
    const expected = [1, 2, 3].map((attempt) => 2000 * 3 ** (attempt - 1));
    expect(clock.sleeps).toEqual(expected);
    const retries = events.filter((e) => e.type === 'TaskRetry');
    expect(retries.map((e) => (e.type === 'TaskRetry' ? [e.attempt, e.delayMs, e.error] : []))).toEqual(
      expected.map((delay, i) => [i + 1, delay, 'E']),
    );
    expect(events.filter((e) => e.type === 'TaskFailed')).toHaveLength(3);
  });

  it('uses the first matching retrier, each with its own count (the AWS guide example)', async () => {
    const clock = autoClock();
    const { engine } = testEngine(
      { f: failing(['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB', 'ErrorB']) },
      { deps: clock.deps },
    );
    const definition = task(
      [
        { ErrorEquals: ['ErrorA', 'ErrorB'], IntervalSeconds: 1, BackoffRate: 2.0, MaxAttempts: 2 },
        { ErrorEquals: ['ErrorC'], IntervalSeconds: 5 },
      ],
      { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }] },
    );
    const execution = await runAsl(engine, definition, {});
    expect(clock.sleeps).toEqual([1000, 2000, 5000, 4000]);
    expect(execution.output).toEqual({ Error: 'ErrorB', Cause: expect.stringContaining('failure 5') });
  });

  it('MaxAttempts 0 never retries; exhausted retries fall through to Catch with ResultPath', async () => {
    const clock = autoClock();
    const { engine, invoker } = testEngine({ f: failing(['E', 'E', 'E', 'E']) }, { deps: clock.deps });
    const definition = task([{ ErrorEquals: ['E'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'] }], {
      Catch: [{ ErrorEquals: ['E'], ResultPath: '$.error', Next: 'Caught' }],
    });
    const execution = await runAsl(engine, definition, { keep: 1 });
    expect(invoker.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    const cause = JSON.stringify({ errorType: 'E', errorMessage: 'failure 1', trace: ['E: failure 1'] });
    expect(execution.output).toEqual({ keep: 1, error: { Error: 'E', Cause: cause } });
  });

  it('fails the execution with the last error when retries run out and nothing catches', async () => {
    const clock = autoClock();
    const { engine, invoker } = testEngine({ f: failing(['E', 'E', 'E']) }, { deps: clock.deps });
    const execution = await runAsl(
      engine,
      task([{ ErrorEquals: ['E'], MaxAttempts: 2, IntervalSeconds: 1 }]),
    );
    expect(invoker.calls).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('E');
  });

  it('FULL jitter sleeps within bounds', async () => {
    const clock = autoClock();
    let r = 0;
    const randoms = [0.1, 0.9, 0.5];
    const deps = { ...clock.deps, random: () => randoms[r++ % 3] as number };
    const { engine } = testEngine({ f: failing(['E', 'E', 'E']) }, { deps });
    const retrier = { ErrorEquals: ['E'], IntervalSeconds: 1, MaxAttempts: 3, JitterStrategy: 'FULL' };
    await runAsl(engine, task([retrier]));
    expect(clock.sleeps).toEqual([1000 * 0.1, 2000 * 0.9, 4000 * 0.5]);
  });

  it('the first matching catcher wins; catchers are tried in order', async () => {
    const { engine } = testEngine({ f: failing(['Specific']) });
    const definition = task([], {
      Catch: [
        { ErrorEquals: ['Unrelated'], Next: 'Other' },
        { ErrorEquals: ['Specific'], ResultPath: '$.caught', Next: 'Caught' },
        { ErrorEquals: ['States.ALL'], Next: 'Other' },
      ],
    });
    const events: string[] = [];
    engine.on((e) => {
      if (e.type === 'StateEntered') events.push(e.name);
    });
    const execution = await runAsl(engine, definition, { a: 1 });
    expect(events).toEqual(['T', 'Caught']);
    expect(execution.output).toMatchObject({ a: 1, caught: { Error: 'Specific' } });
  });

  it('States.TaskFailed does not catch States.Timeout; TimeoutSeconds aborts the call', async () => {
    const clock = manualClock();
    let aborted = false;
    const slow = (_p: never, info: { options?: { signal?: AbortSignal } }) =>
      new Promise((_resolve, reject) => {
        info.options?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      });
    const { engine } = testEngine({ f: slow as never }, { deps: clock.deps });
    const definition = task([], {
      TimeoutSeconds: 5,
      Catch: [
        { ErrorEquals: ['States.TaskFailed'], Next: 'Other' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Caught' },
      ],
    });
    expectValidAsl(definition);
    const execution = engine.startExecution({ definition, input: {} });
    await flush();
    clock.advance(4999);
    await flush();
    expect(execution.status).toBe('RUNNING');
    clock.advance(1);
    await execution.done;
    expect(aborted).toBe(true);
    expect(execution.output).toMatchObject({ timeout: { Error: 'States.Timeout' } });
  });
});
