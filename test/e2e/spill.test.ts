import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunSummary, runEmbedded } from '../../framework/index.js';
import { plainLines, plainWordCount, readOutput, readText, rng, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-spill-');
afterAll(() => tmp.cleanup());

const BUDGET = 64 * 1024;
const input = join(tmp.dir, 'in');
const files: string[] = [];

/** About 3 MB of text over ~40,000 distinct words (plus a few frequent ones), in three files. */
beforeAll(() => {
  const random = rng(7);
  mkdirSync(input);
  for (let f = 0; f < 3; f++) {
    const lines: string[] = [];
    let bytes = 0;
    while (bytes < 1_000_000) {
      const words: string[] = [];
      for (let n = Math.floor(random() * 14); n > 0; n--) {
        const r = random();
        words.push(r < 0.2 ? 'The' : r < 0.3 ? 'straße' : `k${Math.floor(random() * 40_000).toString(36)}`);
      }
      const line = words.join(random() < 0.5 ? ' ' : ', ');
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
    }
    const path = join(input, `part-${f}.txt`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    files.push(path);
  }
});

/** Runs a job with a tiny memory budget; returns its summary and the spills its map tasks reported. */
async function runTiny(job: string, name: string): Promise<{ summary: RunSummary; spills: number[] }> {
  const spills: number[] = [];
  const summary = await runEmbedded({
    job,
    inputs: [input],
    output: join(tmp.dir, name),
    memoryBudget: BUDGET,
    splitSize: 512 * 1024,
    splitsPerTask: 2,
    reducers: 3,
    threads: 2,
    onEvent: (event) => {
      // A map task's result is its child execution's output.
      if (event.type !== 'ExecutionSucceeded' || typeof event.output !== 'object' || !event.output) return;
      const output = event.output as { spills?: unknown; shuffle?: unknown };
      if (typeof output.spills === 'number' && output.shuffle) spills.push(output.spills);
    },
  });
  return { summary, spills };
}

function expectWordCount(outDir: string): void {
  const expected = plainWordCount(files);
  expect(expected.size).toBeGreaterThan(30_000);
  const out = readOutput(outDir);
  const got = new Map<string, number>();
  for (const r of out.records) {
    expect(got.has(r.key as string), `key ${String(r.key)} appears twice`).toBe(false);
    got.set(r.key as string, r.value as number);
  }
  expect(got.size).toBe(expected.size);
  for (const [word, count] of expected) expect(got.get(word), word).toBe(count);
  let lines = 0;
  for (const f of files) lines += plainLines(readText(f)).length;
  expect(out.manifest.records).toEqual({ in: lines, out: expected.size });
}

describe('a memory budget far below the data', () => {
  it('spills many times map-side and still counts every word exactly (with a combiner)', async () => {
    const { summary, spills } = await runTiny('examples/wordcount', 'wordcount');
    expectWordCount(summary.output);
    expect(spills).toHaveLength(3);
    for (const n of spills) expect(n).toBeGreaterThan(20);
  });

  it('spills many times and counts exactly without a combiner', async () => {
    const { summary, spills } = await runTiny('test/fixtures/jobs/count-no-combine.ts', 'no-combine');
    expectWordCount(summary.output);
    expect(spills).toHaveLength(3);
    for (const n of spills) expect(n).toBeGreaterThan(20);
  });
});
