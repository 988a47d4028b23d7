import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { JobFailedError } from '../../framework/runtime/errors.js';
import { countsOf, plainLines, readOutput, rng, tempDir } from './helpers.js';

/**
 * Whole jobs under the faults a worker meets, in the spirit of Hadoop's committer tests: each
 * either publishes exactly what an independent count of the input gives, or publishes nothing.
 * The commit protocol's own cases (a commit retried midway, a duplicate commit, a commit while
 * an abandoned attempt runs, abort twice, two attempts of one task) are in the tasks' unit
 * tests; tolerance and redrive in tolerate.test.ts and redrive.test.ts; S3 503s and Lambda 429s
 * in test/offline/faults.test.ts.
 */

const tmp = tempDir('stepmr-faults-');
afterAll(() => {
  tmp.cleanup();
  delete process.env.STEPMR_FAULTS_STATE;
});

let runs = 0;

/** Four files of ordinary lines, with `special` once in the third; and a fresh attempts folder. */
function setUp(special: string) {
  const dir = join(tmp.dir, `run-${++runs}`);
  const state = join(dir, 'attempts');
  mkdirSync(state, { recursive: true });
  // Workers read it when they start, and every run starts its own.
  process.env.STEPMR_FAULTS_STATE = state;
  const random = rng(runs);
  const inputs = [0, 1, 2, 3].map((f) => {
    const lines = Array.from({ length: 400 }, () => `line ${Math.floor(random() * 60)}`);
    if (f === 2) lines.splice(200, 0, special);
    const path = join(dir, `in-${f}.txt`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  });
  const attempts = () => (existsSync(join(state, special)) ? statSync(join(state, special)).size : 0);
  return { dir, inputs, attempts, output: join(dir, 'out') };
}

/** Lines counted with a plain loop: the independent answer. */
function plainLineCount(paths: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const path of paths) {
    for (const line of plainLines(readFileSync(path, 'utf8'))) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

const job = 'test/fixtures/jobs/faults.ts';
const run = {
  job,
  splitSize: 2048,
  splitsPerTask: 1,
  threads: 2,
  reducers: 3,
  taskTimeoutSeconds: 3,
  taskMemoryMb: 128,
};

describe('a job under worker faults, embedded', () => {
  it.each([
    ['a worker killed mid-task (its thread exits)', 'exit-once', 2],
    ['a task in an endless loop past its timeout', 'spin-once', 2],
    ['a task that runs out of memory', 'hog-once', 2],
    ['a task that fails twice with a retryable error, then succeeds', 'flaky-twice', 3],
  ])('%s is run again, and the result is exact', async (_what, special, tries) => {
    const { inputs, attempts, output } = setUp(special);
    const summary = await runEmbedded({ ...run, inputs, output });
    expect(attempts()).toBe(tries);
    expect(countsOf(readOutput(output))).toEqual(plainLineCount(inputs));
    expect(summary.manifest.failedSplits).toEqual([]);
    expect(summary.manifest.stages.map.failedTasks).toBe(0);
  });

  it('a task that fails on every attempt fails the job after its retries, publishing nothing', async () => {
    const { inputs, attempts, output } = setUp('flaky-always');
    const failed = runEmbedded({ ...run, inputs, output });
    await expect(failed).rejects.toThrow(JobFailedError);
    await expect(failed).rejects.toThrow(
      /Stepmr\.TransientError: .*scratch disk was busy.*\(split \d+: file:\S+\/in-2\.txt bytes \d+-\d+\)/,
    );
    // The first attempt and the state machine's three retries.
    expect(attempts()).toBe(4);
    expect(existsSync(output)).toBe(false);
  });

  it('an error that is not retryable fails the job at once, naming the split, publishing nothing', async () => {
    const { inputs, attempts, output } = setUp('bug');
    const failed = runEmbedded({ ...run, inputs, output });
    await expect(failed).rejects.toThrow(
      /UserCodeError: map threw on the record at file:\S+\/in-2\.txt .*\(split \d+, bytes \d+-\d+\): a bug in map/,
    );
    expect(attempts()).toBe(1);
    expect(existsSync(output)).toBe(false);
  });
});
