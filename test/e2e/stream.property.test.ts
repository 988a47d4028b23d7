import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { commitEntrySchema, offsetEntrySchema } from '../../framework/contract/stream.js';
import type { StreamStep } from '../../framework/runtime/embedded/streamBatch.js';
import { runStreamEmbedded } from '../../framework/runtime/embedded/streamEmbedded.js';
import { StreamCrashError } from '../../framework/stream/errors.js';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-stream-prop-');
afterAll(() => tmp.cleanup());

type Records = { k: string; n: number }[];
/** A crash: at the `nth` time the driver reaches `step`. */
type Crash = { step: StreamStep; nth: number };
/** Files that arrive together, then the crashes of the runs that follow, then a clean run. */
type Wave = { files: Records[]; crashes: Crash[] };

const record = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  n: fc.integer({ min: -5, max: 20 }),
});
const crash = fc.record({
  step: fc.constantFrom<StreamStep>('after-offset', 'mid-batch', 'after-output', 'after-commit'),
  nth: fc.integer({ min: 0, max: 1 }),
});
const wave = fc.record({
  files: fc.array(fc.array(record, { maxLength: 6 }), { minLength: 0, maxLength: 6 }),
  crashes: fc.array(crash, { minLength: 1, maxLength: 2 }),
});

/** A backlog of 7 files (3 batches), crashed once at every step, then two late files. */
const EVERY_STEP: Wave[] = [
  {
    files: Array.from({ length: 7 }, (_, i) => [{ k: 'abcde'[i % 5] ?? 'a', n: i + 1 }]),
    crashes: (['after-offset', 'mid-batch', 'after-output', 'after-commit'] as const).map((step) => ({
      step,
      nth: 0,
    })),
  },
  { files: [[{ k: 'a', n: 100 }], [{ k: 'z', n: 1 }]], crashes: [{ step: 'after-output', nth: 0 }] },
];

/** Per-key sums over records, the plain way. */
function sums(records: Records): Map<string, number> {
  const out = new Map<string, number>();
  for (const { k, n } of records) out.set(k, (out.get(k) ?? 0) + n);
  return out;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;
/** A folder's entries, sorted; none when it was never made (no file ever arrived). */
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/**
 * Lets waves of files arrive, runs the stream after each (crashing it at the waves' crash
 * points, then restarting it), and checks what it published against the files themselves.
 */
async function scenario(mode: 'append' | 'update', waves: Wave[], run: number): Promise<void> {
  const root = join(tmp.dir, `${mode}-${run}`);
  const inbox = join(root, 'inbox');
  const output = join(root, 'out');
  mkdirSync(inbox, { recursive: true });
  const stream = `test/fixtures/jobs/stream-${mode}.ts`;
  const arrivedBefore = new Map<string, number>(); // file → batches committed when it arrived
  const contents = new Map<string, Records>();
  let committed = 0;
  const runOnce = async (crashAt?: Crash) => {
    let seen = 0;
    const summary = await runStreamEmbedded({
      stream,
      source: inbox,
      output,
      once: true,
      threads: 1,
      onBatch: () => committed++,
      ...(crashAt && {
        crashAt: (step: StreamStep) => {
          if (step === crashAt.step && seen++ === crashAt.nth) throw new StreamCrashError(step);
        },
      }),
    }).catch((error: unknown) => {
      if (!(error instanceof StreamCrashError)) throw error;
      // A crash after the commit entry counts that batch as committed.
      if (error.step === 'after-commit') committed++;
      return undefined;
    });
    return summary;
  };
  for (const [w, { files, crashes }] of waves.entries()) {
    for (const [f, records] of files.entries()) {
      const name = `w${w}-f${f}.jsonl`;
      const body = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      writeFileSync(join(inbox, `.${name}`), body);
      renameSync(join(inbox, `.${name}`), join(inbox, name));
      arrivedBefore.set(name, committed);
      contents.set(name, records);
    }
    for (const c of crashes) await runOnce(c);
    await runOnce();
  }
  // A duplicate wake-up with nothing new changes nothing.
  const again = await runOnce();
  expect(again?.batches).toBe(0);

  const checkpoint = join(output, '_checkpoint');
  const commits = entries(join(checkpoint, 'commits')).map((n) =>
    commitEntrySchema.parse(readJson(join(checkpoint, 'commits', n))),
  );
  const offsets = entries(join(checkpoint, 'offsets')).map((n) =>
    offsetEntrySchema.parse(readJson(join(checkpoint, 'offsets', n))),
  );
  // Every batch claimed is committed, in order, and every file is in exactly one of them.
  expect(commits.map((c) => c.batch)).toEqual(offsets.map((o) => o.batch));
  expect(offsets.map((o) => o.batch)).toEqual(offsets.map((_, i) => i));
  const batchOf = new Map<string, number>();
  for (const o of offsets)
    for (const f of o.files) {
      expect(batchOf.has(f.key)).toBe(false);
      batchOf.set(f.key, o.batch);
    }
  expect([...batchOf.keys()].sort()).toEqual([...contents.keys()].sort());
  for (const o of offsets) {
    // Caps: at most 3 files; fewer only when nothing was left waiting.
    expect(o.files.length).toBeLessThanOrEqual(3);
    if (o.pending.files > 0) expect(o.files.length).toBe(3);
    expect(o.files.length).toBeGreaterThan(0);
  }
  // A file arriving after some batches committed lands in a later batch.
  for (const [name, before] of arrivedBefore) expect(batchOf.get(name)).toBeGreaterThanOrEqual(before);

  if (mode === 'append') {
    for (const o of offsets) {
      const out = readOutput(join(output, `batch=${String(o.batch).padStart(10, '0')}`));
      const expected = sums(o.files.flatMap((f) => contents.get(f.key) ?? []));
      expect(new Map(out.records.map((r) => [r.key as string, r.value as number]))).toEqual(expected);
    }
    const folders = entries(output).filter((n) => n.startsWith('batch='));
    expect(folders).toHaveLength(offsets.length);
  } else {
    const last = commits.at(-1);
    const all = sums([...contents.values()].flat());
    if (!last) {
      expect(all.size).toBe(0);
      return;
    }
    const out = readOutput(join(output, last.published ?? ''));
    expect(new Map(out.records.map((r) => [r.key as string, r.value as number]))).toEqual(all);
  }
}

describe('streams, embedded: exactly once under random arrivals and crashes', () => {
  for (const mode of ['append', 'update'] as const) {
    it(`${mode}: the published result equals a plain computation over every file`, {
      timeout: 120_000,
    }, async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(wave, { minLength: 1, maxLength: 3 }), (waves) =>
          scenario(mode, waves, run++),
        ),
        { numRuns: 2, endOnFailure: true, examples: [[EVERY_STEP]] },
      );
    });
  }
});
