import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { commitEntrySchema, offsetEntrySchema } from '../../framework/contract/stream.js';
import type { StreamStep } from '../../framework/runtime/embedded/streamBatch.js';
import { runStreamEmbedded } from '../../framework/runtime/embedded/streamEmbedded.js';
import { StreamCrashError } from '../../framework/stream/errors.js';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-stream-window-');
afterAll(() => tmp.cleanup());

/** The fixture's window size and watermark delay (test/fixtures/jobs/stream-window.ts), ms. */
const SIZE = 10;
const DELAY = 5;

type Records = { k: string; t: number; n: number }[];
type Crash = { step: StreamStep; nth: number };
/** `merge`: whether that wave's runs merge the state in the reducers or re-read it in map. */
type Wave = { files: Records[]; crashes: Crash[]; merge?: boolean };

const record = fc.record({
  k: fc.constantFrom('a', 'b', 'c'),
  t: fc.integer({ min: 0, max: 120 }),
  n: fc.integer({ min: 1, max: 20 }),
});
const crash = fc.record({
  step: fc.constantFrom<StreamStep>('after-offset', 'mid-batch', 'after-output', 'after-commit'),
  nth: fc.integer({ min: 0, max: 2 }),
});
const wave = fc.record({
  files: fc.array(fc.array(record, { maxLength: 5 }), { minLength: 0, maxLength: 5 }),
  crashes: fc.array(crash, { minLength: 0, maxLength: 2 }),
  merge: fc.boolean(),
});

/** Times that climb wave after wave, with stragglers behind, crashed once at every step. */
const EVERY_STEP: Wave[] = [
  {
    files: [
      [
        { k: 'a', t: 1, n: 1 },
        { k: 'b', t: 3, n: 2 },
      ],
      [{ k: 'a', t: 12, n: 4 }],
      [{ k: 'c', t: 9, n: 3 }],
    ],
    crashes: [{ step: 'after-output', nth: 0 }],
    merge: false,
  },
  {
    files: [
      [
        { k: 'a', t: 25, n: 8 },
        { k: 'a', t: 2, n: 100 },
      ],
      [{ k: 'b', t: 25, n: 5 }],
    ],
    crashes: (['after-offset', 'mid-batch', 'after-output', 'after-commit'] as const).map((step) => ({
      step,
      nth: 0,
    })),
  },
  // Watermark 20: t=15's window [10, 20) closes now, so that record is late (the boundary).
  {
    files: [
      [
        { k: 'b', t: 4, n: 1000 },
        { k: 'c', t: 60, n: 7 },
      ],
      [
        { k: 'c', t: 15, n: 50 },
        { k: 'a', t: 33, n: 9 },
      ],
    ],
    crashes: [],
  },
  { files: [[{ k: 'a', t: 90, n: 1 }]], crashes: [{ step: 'mid-batch', nth: 0 }] },
];

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;
/** A folder's entries, sorted; none when it was never made (no file ever arrived). */
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const id = (start: number, k: string) => `${start}|${k}`;

/**
 * What the stream must have done, computed the plain way from each batch's records (the
 * offsets entries say which files each batch took): the watermark of each batch, its late
 * records, the windows each batch publishes with their sums, and the windows left open.
 */
function expected(batches: Records[]) {
  const watermarks: (number | undefined)[] = [];
  const late: number[] = [];
  const sums = new Map<string, number>();
  let max: number | undefined;
  for (const records of batches) {
    const watermark = max === undefined ? undefined : max - DELAY;
    watermarks.push(watermark);
    let lateHere = 0;
    for (const { k, t, n } of records) {
      const start = Math.floor(t / SIZE) * SIZE;
      if (watermark !== undefined && start + SIZE <= watermark) lateHere++;
      else sums.set(id(start, k), (sums.get(id(start, k)) ?? 0) + n);
    }
    late.push(lateHere);
    for (const { t } of records) max = max === undefined ? t : Math.max(max, t);
  }
  // A window is published by the first batch whose watermark reaches its end, and only then.
  const published = batches.map(() => new Map<string, number>());
  const open = new Map<string, number>();
  for (const [key, sum] of sums) {
    const end = Number(key.split('|')[0]) + SIZE;
    const batch = watermarks.findIndex((w) => w !== undefined && end <= w);
    if (batch >= 0) published[batch]?.set(key, sum);
    else open.set(key, sum);
  }
  return { watermarks, late, published, open };
}

async function scenario(waves: Wave[], run: number): Promise<void> {
  const root = join(tmp.dir, `w-${run}`);
  const inbox = join(root, 'inbox');
  const output = join(root, 'out');
  mkdirSync(inbox, { recursive: true });
  const contents = new Map<string, Records>();
  const runOnce = async (merge: boolean, crashAt?: Crash) => {
    let seen = 0;
    await runStreamEmbedded({
      stream: 'test/fixtures/jobs/stream-window.ts',
      source: inbox,
      output,
      once: true,
      threads: 1,
      stateMerge: merge,
      ...(crashAt && {
        crashAt: (step: StreamStep) => {
          if (step === crashAt.step && seen++ === crashAt.nth) throw new StreamCrashError(step);
        },
      }),
    }).catch((error: unknown) => {
      if (!(error instanceof StreamCrashError)) throw error;
    });
  };
  for (const [w, { files, crashes, merge = true }] of waves.entries()) {
    for (const [f, records] of files.entries()) {
      const name = `w${w}-f${f}.jsonl`;
      writeFileSync(join(inbox, `.${name}`), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      renameSync(join(inbox, `.${name}`), join(inbox, name));
      contents.set(name, records);
    }
    for (const c of crashes) await runOnce(merge, c);
    await runOnce(merge);
  }

  const checkpoint = join(output, '_checkpoint');
  if (contents.size === 0) return;
  const offsets = entries(join(checkpoint, 'offsets')).map((n) =>
    offsetEntrySchema.parse(readJson(join(checkpoint, 'offsets', n))),
  );
  const commits = entries(join(checkpoint, 'commits')).map((n) =>
    commitEntrySchema.parse(readJson(join(checkpoint, 'commits', n))),
  );
  expect(commits.map((c) => c.batch)).toEqual(offsets.map((o) => o.batch));
  expect(offsets.flatMap((o) => o.files.map((f) => f.key)).sort()).toEqual([...contents.keys()].sort());
  const want = expected(offsets.map((o) => o.files.flatMap((f) => contents.get(f.key) ?? [])));

  for (const [i, o] of offsets.entries()) {
    // The watermark each batch ran with was fixed before it ran, from the batches before it.
    expect(o.eventTime?.watermark).toBe(want.watermarks[i]);
    const commit = commits[i];
    expect(commit?.eventTime?.late).toBe(want.late[i]);
    expect(commit?.eventTime?.samples.length).toBe(Math.min(want.late[i] ?? 0, 10));
    // Each window once, in the batch whose watermark closed it, with its on-time records' sum.
    const out = readOutput(join(output, `batch=${String(o.batch).padStart(10, '0')}`));
    const got = new Map<string, number>();
    for (const r of out.records as unknown as {
      window: { start: number; end: number };
      key: string;
      value: number;
    }[]) {
      expect(r.window.end - r.window.start).toBe(SIZE);
      const key = id(r.window.start, r.key);
      expect(got.has(key)).toBe(false);
      got.set(key, r.value);
    }
    expect(got).toEqual(want.published[i]);
  }
  // The windows still open are the last batch's state; older states go (the previous one stays
  // a batch longer, for its readers).
  const last = commits.at(-1);
  const stateDir = join(output, last?.state ?? '');
  const state = new Map<string, number>();
  for (const part of entries(stateDir)) {
    for (const line of readFileSync(join(stateDir, part), 'utf8').split('\n').filter(Boolean)) {
      const { key, value } = JSON.parse(line) as { key: [number, string]; value: number };
      state.set(id(key[0], key[1]), value);
    }
  }
  expect(state).toEqual(want.open);
  // Once the files stop, every window the last watermark passed is published all the same (a
  // batch of no objects closes them): the open ones all end after it.
  const times = [...contents.values()].flat().map((r) => r.t);
  if (times.length > 0) {
    const finalWatermark = Math.max(...times) - DELAY;
    for (const key of state.keys())
      expect(Number(key.split('|')[0]) + SIZE, key).toBeGreaterThan(finalWatermark);
  }
  const kept = entries(join(output, '_state')).map((name) => `_state/${name}/`);
  expect(kept.at(-1)).toBe(last?.state);
  expect(kept.length).toBeLessThanOrEqual(2);
}

describe('windowed streams, embedded: every window once under random arrivals and crashes', () => {
  it('publishes each window once, equal to its on-time records, and counts the late ones', {
    timeout: 240_000,
  }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(wave, { minLength: 1, maxLength: 4 }), (waves) => scenario(waves, run++)),
      { numRuns: 3, endOnFailure: true, examples: [[EVERY_STEP]] },
    );
  });
});
