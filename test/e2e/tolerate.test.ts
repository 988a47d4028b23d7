import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded, type SuccessManifest } from '../../framework/index.js';
import { plainWordCount, readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-tolerate-');
afterAll(() => tmp.cleanup());

const clean = [join(tmp.dir, 'a.txt'), join(tmp.dir, 'b.txt')];
const poisoned = join(tmp.dir, 'c.txt');
writeFileSync(clean[0] as string, 'one two three\nTwo three\n');
writeFileSync(clean[1] as string, 'three FOUR\nfour four\n');
writeFileSync(poisoned, 'five six\nthis line is poison\nsix\n');
const inputs = [...clean, poisoned];

describe('tolerated map failures, embedded', () => {
  it.each([{ percent: 34 }, { count: 1 }])(
    'succeed within %j, leave the failed split out and list it',
    async (tolerate) => {
      const output = join(tmp.dir, `out-${JSON.stringify(tolerate).replace(/\W/g, '')}`);
      await runEmbedded({
        job: 'test/fixtures/jobs/poison.ts',
        inputs,
        output,
        splitsPerTask: 1,
        tolerate,
        threads: 2,
      });
      const out = readOutput(output);
      expect(new Map(out.records.map((r) => [r.key as string, r.value as number]))).toEqual(
        plainWordCount(clean),
      );
      const manifest = out.manifest as unknown as SuccessManifest;
      expect(manifest.failedSplits).toHaveLength(1);
      const failed = manifest.failedSplits[0];
      expect(failed?.error).toBe('UserCodeError');
      expect(failed?.message).toContain('poison');
      expect(failed?.splits.map((s) => [s.uri.endsWith('/c.txt'), s.start, s.end])).toEqual([
        [true, 0, statSync(poisoned).size],
      ]);
    },
  );

  it('fail past the tolerance, naming the error, and publish nothing', async () => {
    const output = join(tmp.dir, 'out-strict');
    const run = runEmbedded({
      job: 'test/fixtures/jobs/poison.ts',
      inputs,
      output,
      splitsPerTask: 1,
      tolerate: { percent: 10 },
      threads: 2,
    });
    await expect(run).rejects.toThrow(/c\.txt line 2.*poison|poison.*c\.txt line 2/);
    expect(existsSync(output)).toBe(false);
  });
});
