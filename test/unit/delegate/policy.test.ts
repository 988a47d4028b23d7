import { describe, expect, it } from 'vitest';
import { http } from '../../../framework/delegate/builders.js';
import { InvalidCallPolicyError } from '../../../framework/delegate/errors.js';
import {
  backoffMs,
  resolvePolicy,
  retryAfterMs,
  retryableStatus,
} from '../../../framework/delegate/policy.js';
import { delegate, runCalls } from '../../../framework/delegate/runCalls.js';

describe('call policy', () => {
  it('reads Retry-After as seconds or an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
    for (const bad of [null, undefined, '', '-1', 'soon', '1.5'])
      expect(retryAfterMs(bad, now)).toBeUndefined();
  });

  it('backs off with full jitter under a doubling ceiling capped at maxDelayMs', () => {
    const policy = resolvePolicy({ baseDelayMs: 100, maxDelayMs: 1_000 });
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(1_000, 100 * 2 ** (retry - 1));
      expect(backoffMs(retry, policy, () => 0)).toBe(0);
      expect(backoffMs(retry, policy, () => 0.999_999)).toBeCloseTo(ceiling, 2);
    }
  });

  it('retries 429 and 5xx only', () => {
    const retried = Array.from({ length: 600 }, (_, s) => s).filter(retryableStatus);
    expect(retried).toEqual([429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]);
  });

  it('refuses options out of range before any call, naming the field', async () => {
    expect(() => resolvePolicy({ concurrency: 0 })).toThrowError(/concurrency is 0/);
    expect(() => resolvePolicy({ retries: 1.5 })).toThrowError(InvalidCallPolicyError);
    expect(() => resolvePolicy({ ratePerSecond: -1 })).toThrowError(/ratePerSecond/);
    await expect(delegate([], { jobId: 'bad id!' })).rejects.toThrowError(/jobId "bad id!"/);
    const task = http('https://api.example.com/x').get();
    await expect(
      runCalls(
        [
          { index: 1, task },
          { index: 1, task },
        ],
        { jobId: 'j' },
      ),
    ).rejects.toThrowError(/appears twice/);
    await expect(runCalls([{ index: -1, task }], { jobId: 'j' })).rejects.toThrowError(/at least 0/);
  });
});
