import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../../framework/cli/cloudCommands.js';
import type { CloudCommandDeps } from '../../../framework/cli/drivers.js';
import { Progress } from '../../../framework/cli/Progress.js';
import { plural, RateMeter, renderStage, type StageSnapshot } from '../../../framework/cli/progressView.js';
import type { ExecutionReport } from '../../../framework/runtime/executions.js';

const MiB = 1024 * 1024;

function snapshot(over: Partial<StageSnapshot>): StageSnapshot {
  return {
    label: 'map',
    unit: 'split',
    items: 12,
    itemsDone: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    bytesTotal: 40 * MiB,
    bytesRead: 0,
    records: 0,
    elapsedMs: 0,
    rate: undefined,
    done: false,
    ...over,
  };
}

/** A writable that keeps what is written, as stderr off a terminal. */
function sink() {
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
  return { out, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('renderStage', () => {
  it('shows bytes read before any task finished, running tasks, and an ETA from the rate', () => {
    const line = renderStage(
      snapshot({ running: 2, bytesRead: 12 * MiB, records: 40_000, elapsedMs: 4000, rate: 4 * MiB }),
    );
    const fields = line.split(' | ');
    expect(fields[0]).toBe('map     0/12 splits');
    expect(fields).toContain('tasks: 2 running');
    expect(fields).toContain('12.0 MiB of 40.0 MiB');
    expect(fields).toContain('4.0 MiB/s');
    expect(fields).toContain('10.0k records/s'); // 40,000 records in 4 s
    expect(fields).toContain(`ETA ${((40 - 12) / 4).toFixed(1)}s`); // 28 MiB left at 4 MiB/s
    expect(fields.slice(0, 4)).toEqual([
      'map     0/12 splits',
      '12.0 MiB of 40.0 MiB',
      '4.0 MiB/s',
      'ETA 7.0s',
    ]);
  });

  it('says 1 split, counts done and failed tasks, and gives the time taken once done', () => {
    const line = renderStage(
      snapshot({
        items: 1,
        itemsDone: 0,
        failed: 1,
        bytesTotal: 9,
        bytesRead: 9,
        elapsedMs: 2200,
        done: true,
      }),
    );
    expect(line).toBe('map     0/1 split | 9 B of 9 B | 4 B/s | in 2.2s | tasks: 1 failed');
    expect(plural(1, 'split')).toBe('1 split');
    expect(plural(2, 'partition')).toBe('2 partitions');
  });

  it('has no ETA until a rate is measured, and an ETA in items for a stage without bytes', () => {
    expect(renderStage(snapshot({ elapsedMs: 60_000 }))).toBe(
      'map     0/12 splits | 0 B of 40.0 MiB | ETA ?',
    );
    const reduce = snapshot({
      label: 'reduce',
      unit: 'partition',
      items: 8,
      itemsDone: 2,
      bytesTotal: 0,
      rate: 0.5,
    });
    expect(renderStage(reduce)).toBe('reduce  2/8 partitions | ETA 12.0s'); // 6 left at 0.5 a second
  });
});

describe('RateMeter', () => {
  it('ignores the warm-up before anything moved, and follows the recent pace', () => {
    const meter = new RateMeter(10_000);
    for (let t = 0; t <= 50_000; t += 1000) meter.add(t, 0); // 50 s of start-up
    expect(meter.rate()).toBeUndefined();
    meter.add(51_000, 4 * MiB);
    meter.add(52_000, 8 * MiB);
    expect(meter.rate()).toBe(4 * MiB); // 8 MiB over the 2 s since the last still moment
    for (let t = 53_000; t <= 80_000; t += 1000) meter.add(t, 8 * MiB + ((t - 52_000) / 1000) * MiB);
    expect(meter.rate()).toBe(MiB); // the last 10 s went at 1 MiB/s
  });
});

describe('Progress off a terminal', () => {
  it('prints bytes as tasks report them, at most one line per stage every few seconds, never twice', () => {
    let now = 0;
    const { out, lines } = sink();
    const p = new Progress(out, { tty: false, now: () => now });
    p.start('map', 4, 'split', 40 * MiB);
    for (let t = 1; t <= 20; t++) {
      now = t * 500;
      // Two tasks read 1 MiB every 500 ms each from t = 1.
      p.task('map', 0, Math.min(20, t) * MiB, t * 1000);
      p.task('map', 2, Math.min(20, t) * MiB, t * 1000);
    }
    p.counts('map', { itemsDone: 4, succeeded: 2, failed: 0 });
    p.finish('map');
    p.finish('map');
    const printed = lines();
    expect(new Set(printed).size).toBe(printed.length);
    expect(printed[0]).toBe('map     0/4 splits | 0 B of 40.0 MiB | ETA ?');
    // Lines while the tasks run show their bytes, 2 running, and an ETA at 4 MiB/s.
    const during = printed.slice(1, -1);
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.length).toBeLessThanOrEqual(2); // 10 s of reports, a line every 5 s at most
    const first = during[0] ?? '';
    expect(first).toContain('tasks: 2 running');
    // Printed at 5 s, when the first task had reported 10 MiB and the other 9 MiB so far.
    const [, read, rate, eta] =
      /\| (\d+\.\d) MiB of 40\.0 MiB \| (\d+\.\d) MiB\/s \| ETA (\d+\.\d)s \|/.exec(first) ?? [];
    expect(Number(read)).toBe(19);
    expect(Number(rate)).toBeCloseTo(19 / 5, 1);
    expect(Number(eta)).toBeCloseTo((40 - 19) / (19 / 5), 1);
    expect(printed.at(-1)).toBe(
      'map     4/4 splits | 40.0 MiB of 40.0 MiB | 4.0 MiB/s | in 10.0s | tasks: 2 done | 4000 records/s',
    );
  });
});

describe('stepmr status --watch', () => {
  it('prints the stage’s line when its figures change, with the time left at the rate its items end', () => {
    const written: string[] = [];
    let now = 0;
    const deps = {
      stderr: { write: (s: string) => written.push(s) },
      now: () => now,
    } as unknown as CloudCommandDeps;
    const print = progressPrinter(deps);
    // A stage whose bytes are not known: its items are the measure. A task takes 4 items.
    const report = (succeeded: number, status = 'RUNNING') =>
      ({
        stages: [
          {
            name: 'Map',
            mapRunArn: 'arn:map',
            status,
            total: 40,
            succeeded,
            failed: 0,
            aborted: 0,
            running: status === 'RUNNING' ? 4 : 0,
            pending: status === 'RUNNING' ? 36 - succeeded : 0,
            tasks: { running: status === 'RUNNING' ? 1 : 0, succeeded: succeeded / 4, failed: 0 },
            startDate: new Date(0),
            stopDate: status === 'RUNNING' ? undefined : new Date(now),
          },
        ],
      }) as unknown as ExecutionReport;
    for (const [t, done] of [
      [0, 0],
      [2000, 0], // start-up: nothing ended yet, and the line stays as it was
      [4000, 4],
      [6000, 8],
    ] as const) {
      now = t;
      print(report(done));
    }
    now = 30_000;
    print(report(40, 'SUCCEEDED'));
    expect(written.join('').split('\n').filter(Boolean)).toEqual([
      'map     0/40 splits | ETA ? | tasks: 1 running',
      // 4 items in the 2 s since the last still poll: 2 a second, 36 left.
      'map     4/40 splits | ETA 18.0s | tasks: 1 running, 1 done',
      'map     8/40 splits | ETA 16.0s | tasks: 1 running, 2 done',
      'map     40/40 splits | in 30.0s | tasks: 10 done',
    ]);
  });
});
