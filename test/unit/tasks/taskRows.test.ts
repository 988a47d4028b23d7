import { describe, expect, it } from 'vitest';
import type { MapRunResults } from '../../../framework/tasks/mapRunResults.js';
import type { MapTaskResult, ReduceTaskResult } from '../../../framework/tasks/payloads.js';
import { taskRows } from '../../../framework/tasks/taskRows.js';

const mapResult = (first: number, startedAt: number, ms: number, attempt = 0): MapTaskResult => ({
  splits: [first, first + 1],
  shuffle: { key: `work/j/shuffle/0/map-${first}.bin`, bytes: 10 * first + 1 },
  recordsIn: first + 2,
  recordsOut: first + 3,
  bytesIn: 100 + first,
  spills: 0,
  ms,
  startedAt,
  executor: `thread ${first % 3}`,
  attempt,
});

function maps(results: MapTaskResult[], failed: MapRunResults<MapTaskResult>['failed'] = []) {
  const childDates = new Map(results.map((r) => [r, { startedAt: (r.startedAt ?? 0) - 50, stoppedAt: 0 }]));
  return { succeeded: results, failed, startedAt: 0, stoppedAt: 1, childDates };
}

describe('taskRows', () => {
  it('gives each task attempt its clock, executor, retries and bytes, and failed ones their error', () => {
    const ok = mapResult(0, 1000, 300, 2);
    const failed = {
      input: { Items: [{ id: 2, uri: 's3://b/in/a', start: 0, end: 9, size: 9 }] },
      error: 'UserCodeError',
      cause: '{}',
      startedAt: 1100,
      stoppedAt: 1400,
    };
    const reduce: ReduceTaskResult = {
      parts: [
        { part: 3, key: 'k3', records: 4, bytes: 40, sha256: '', recordsIn: 7, bytesIn: 70 },
        { part: 4, key: 'k4', records: 5, bytes: 50, sha256: '', recordsIn: 8, bytesIn: 80 },
      ],
      recordsIn: 15,
      bytesIn: 150,
      ms: 20,
      startedAt: 2000,
    };
    const reduces = { succeeded: [reduce], failed: [], startedAt: 2000, stoppedAt: 2020 };
    const { rows, omitted } = taskRows(maps([ok], [failed]), reduces);
    expect(omitted).toBe(0);
    expect(rows).toEqual([
      {
        stage: 'map',
        id: 0,
        items: 2,
        status: 'succeeded',
        startedAt: 1000,
        stoppedAt: 1300,
        queuedAt: 950,
        executor: 'thread 0',
        retries: 2,
        recordsIn: 2,
        recordsOut: 3,
        bytesIn: 100,
        bytesOut: 1,
      },
      {
        stage: 'map',
        id: 2,
        items: 1,
        status: 'failed',
        startedAt: 1100,
        stoppedAt: 1400,
        recordsIn: 0,
        recordsOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        error: 'UserCodeError',
      },
      {
        stage: 'reduce',
        id: 3,
        items: 2,
        status: 'succeeded',
        startedAt: 2000,
        stoppedAt: 2020,
        recordsIn: 15,
        recordsOut: 9,
        bytesIn: 150,
        bytesOut: 90,
      },
    ]);
  });

  it('keeps the slowest tasks past its bound and counts the others', () => {
    const durations = [5, 90, 12, 77, 3, 41, 60, 8];
    const results = durations.map((ms, i) => mapResult(i * 2, 10_000 - i, ms));
    const { rows, omitted } = taskRows(maps(results), undefined, 3);
    expect(omitted).toBe(durations.length - 3);
    const slowest = [...durations].sort((a, b) => b - a).slice(0, 3);
    expect(rows.map((r) => r.stoppedAt - r.startedAt).sort((a, b) => b - a)).toEqual(slowest);
    // In start order.
    expect(rows.map((r) => r.startedAt)).toEqual([...rows.map((r) => r.startedAt)].sort((a, b) => a - b));
  });
});
