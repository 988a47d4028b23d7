import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RedriveError,
  type RunSummary,
  redriveEmbedded,
  runEmbedded,
  type SuccessManifest,
} from '../../framework/index.js';
import { JobFailedError } from '../../framework/runtime/errors.js';
import { countsOf, plainLines, plainWordCount, readOutput, rng, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-redrive-');
afterAll(() => {
  tmp.cleanup();
  delete process.env.STEPMR_FRAGILE_MARKER;
});

// The fragile jobs throw on lines with "poison" while this file exists; workers inherit the env.
const marker = join(tmp.dir, 'poisoned');
process.env.STEPMR_FRAGILE_MARKER = marker;
const poison = (on: boolean) => (on ? writeFileSync(marker, '') : rmSync(marker, { force: true }));

/** Five files of about 20 KiB; the second and fourth have a poisoned line somewhere inside. */
function makeInputs(dir: string, seed: number): string[] {
  const random = rng(seed);
  return [0, 1, 2, 3, 4].map((f) => {
    const lines: string[] = [];
    for (let i = 0; i < 900; i++) {
      const words = Array.from(
        { length: 1 + Math.floor(random() * 6) },
        () => `w${Math.floor(random() * 150)}`,
      );
      lines.push(words.join(' '));
    }
    if (f === 1 || f === 3) lines.splice(Math.floor(random() * lines.length), 0, 'a poison pill');
    const path = join(dir, `in-${seed}-${f}.txt`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  });
}

const JOBS = {
  reduce: 'test/fixtures/jobs/fragile.ts',
  'map-only': 'test/fixtures/jobs/fragile-map.ts',
} as const;
const run = { splitSize: 8 << 10, splitsPerTask: 2, threads: 2 } as const;

function parts(output: string): [string, string][] {
  return readOutput(output).manifest.parts.map((p) => [p.name, p.sha256]);
}

/** Checks a complete result against an independent computation over all inputs. */
function expectWhole(kind: keyof typeof JOBS, output: string, inputs: readonly string[]): void {
  const out = readOutput(output);
  if (kind === 'reduce') {
    expect(countsOf(out)).toEqual(plainWordCount(inputs));
  } else {
    const lines = inputs
      .flatMap((path) => plainLines(readFileSync(path, 'utf8')))
      .map((l) => l.toUpperCase());
    expect(out.records.map((r) => r.value as string).sort()).toEqual(lines.sort());
  }
}

describe('stepmr redrive, embedded', () => {
  it.each(Object.keys(JOBS) as (keyof typeof JOBS)[])(
    '%s: redriving the failed splits publishes what a clean run publishes, byte for byte',
    async (kind) => {
      const inputs = makeInputs(tmp.dir, kind === 'reduce' ? 1 : 2);
      const output = join(tmp.dir, `out-${kind}`);
      poison(true);
      const partial = await runEmbedded({
        job: JOBS[kind],
        inputs,
        output,
        ...run,
        tolerate: { percent: 50 },
      });
      const failed = partial.manifest.failedSplits;
      // Each failed task read a poisoned file, and both poisoned files failed.
      const poisoned = [inputs[1], inputs[3]].map((path) => `file://${path}`);
      for (const f of failed) expect(f.splits.some((s) => poisoned.includes(s.uri))).toBe(true);
      expect(
        new Set(failed.flatMap((f) => f.splits.map((s) => s.uri)).filter((u) => poisoned.includes(u))),
      ).toEqual(new Set(poisoned));
      expect(existsSync(join(output, '_temporary', partial.jobId, 'kept.json'))).toBe(true);

      // Still poisoned: the redrive fails the same splits again, within its own tolerance.
      const again = await redriveEmbedded({ output, threads: 2, tolerate: { percent: 100 } });
      expect(again.manifest.redriveOf).toBe(partial.jobId);
      expect(again.manifest.failedSplits.map((f) => f.splits)).toEqual(failed.map((f) => f.splits));
      expect(parts(output)).toEqual(partial.manifest.parts.map((p) => [p.name, p.sha256]));

      poison(false);
      const whole: RunSummary = await redriveEmbedded({ output, threads: 2 });
      expect(whole.manifest.redriveOf).toBe(again.jobId);
      expect(whole.manifest.failedSplits).toEqual([]);
      expect(existsSync(join(output, '_temporary'))).toBe(false);
      expectWhole(kind, output, inputs);

      const clean = join(tmp.dir, `clean-${kind}`);
      const reference = await runEmbedded({ job: JOBS[kind], inputs, output: clean, ...run });
      expect(parts(output)).toEqual(parts(clean));
      expect(readdirSync(output).sort()).toEqual(readdirSync(clean).sort());
      expect(whole.manifest.records).toEqual(reference.manifest.records);
      expect(whole.manifest.bytes).toEqual(reference.manifest.bytes);
      expect(whole.manifest.splits).toBe(reference.manifest.splits);
    },
  );

  it('a redrive that fails leaves the result and what it kept, and can be redriven again', async () => {
    const inputs = makeInputs(tmp.dir, 3);
    const output = join(tmp.dir, 'out-fails');
    poison(true);
    const partial = await runEmbedded({
      job: JOBS.reduce,
      inputs,
      output,
      ...run,
      tolerate: { percent: 50 },
    });
    const success = readFileSync(join(output, '_SUCCESS'));
    const files = readdirSync(output).sort();

    await expect(redriveEmbedded({ output, threads: 2 })).rejects.toThrow(JobFailedError);
    expect(readFileSync(join(output, '_SUCCESS'))).toEqual(success);
    expect(readdirSync(output).sort()).toEqual(files);
    expect(readdirSync(join(output, '_temporary'))).toEqual([partial.jobId]);

    poison(false);
    await redriveEmbedded({ output, threads: 2 });
    expectWhole('reduce', output, inputs);
  });

  it('refuses what it cannot redrive, saying why', async () => {
    poison(true);
    const inputs = makeInputs(tmp.dir, 4);
    const output = join(tmp.dir, 'out-refused');
    await runEmbedded({ job: JOBS.reduce, inputs, output, ...run, tolerate: { percent: 50 } });
    const before = readFileSync(join(output, '_SUCCESS'));

    // The input of a failed split changed: a redrive would match no run.
    appendFileSync(inputs[1] as string, 'one more line\n');
    const changed = redriveEmbedded({ output, threads: 2 });
    await expect(changed).rejects.toThrow(RedriveError);
    await expect(changed).rejects.toThrow(/in-4-1\.txt is \d+ bytes, it was \d+ bytes/);
    expect(readFileSync(join(output, '_SUCCESS'))).toEqual(before);

    // A complete result, and a directory that holds none.
    poison(false);
    const complete = join(tmp.dir, 'out-complete');
    await runEmbedded({ job: JOBS.reduce, inputs, output: complete, ...run });
    await expect(redriveEmbedded({ output: complete })).rejects.toThrow(
      /no failed splits.*nothing to redrive/,
    );
    expect((JSON.parse(readFileSync(join(complete, '_SUCCESS'), 'utf8')) as SuccessManifest).redriveOf).toBe(
      undefined,
    );
    await expect(redriveEmbedded({ output: tmp.dir })).rejects.toThrow(/holds no _SUCCESS/);
  });
});
