import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { JobFailedError } from '../../framework/runtime/errors.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('stepmr-fail-cleanup-');
const systemTmp = process.env.TMPDIR;
afterAll(() => {
  if (systemTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTmp;
  tmp.cleanup();
});

/**
 * Every path under `dir` whose name starts with `stepmr-` (spill and staging folders), but this
 * user's caches (`stepmr-<uid>/`: compiled jobs, V8's code cache), which are meant to stay.
 */
function stepmrEntries(dir: string): string[] {
  const caches = `stepmr-${process.getuid?.() ?? 'user'}`;
  return (readdirSync(dir, { recursive: true }) as string[]).filter(
    (p) => p.split('/')[0] !== caches && p.split('/').some((part) => part.startsWith('stepmr-')),
  );
}

describe('a job that fails while other tasks still run', () => {
  it('stops them, publishes nothing and leaves none of their temporary files', async () => {
    // The workers' temporary files go where the OS's temporary folder is: here, one to look at.
    const osTmp = join(tmp.dir, 'os-tmp');
    mkdirSync(osTmp);
    process.env.TMPDIR = osTmp;
    const never = join(tmp.dir, 'never-opened');
    const failNow = join(tmp.dir, 'fail-now');
    // Split 0 spills (a tiny memory budget), then waits for ever; split 1 fails when told to.
    const held = join(tmp.dir, 'held.txt');
    const fails = join(tmp.dir, 'fails.txt');
    const filler = Array.from({ length: 300 }, (_, i) => `filler line ${i}`);
    writeFileSync(held, `${[...filler, `wait-for ${never}`].join('\n')}\n`);
    writeFileSync(fails, `wait-for ${failNow}\nfail\n`);
    const output = join(tmp.dir, 'out');
    const run = runEmbedded({
      job: 'test/fixtures/jobs/gate.ts',
      inputs: [held, fails],
      output,
      threads: 2,
      splitsPerTask: 1,
      memoryBudget: 1024,
    });
    run.catch(() => undefined);
    // The held task has written to its spill folder before the other one fails.
    while (!stepmrEntries(osTmp).some((p) => /stepmr-shuffle-[^/]+\/./.test(p))) await sleep(20);
    writeFileSync(failNow, '');
    await expect(run).rejects.toThrow(JobFailedError);
    await expect(run).rejects.toThrow(/1 of 2 map splits failed.*failed on purpose/);
    expect(existsSync(output)).toBe(false);
    expect(stepmrEntries(osTmp)).toEqual([]);
  });
});
