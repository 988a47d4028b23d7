import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { makeText, plainWordCount, readOutput, rng, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function corpus(name: string, seed: number): { dir: string; files: string[] } {
  const random = rng(seed);
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
  const files: string[] = [];
  const add = (rel: string, body: string | Buffer) => {
    writeFileSync(join(dir, rel), body);
    files.push(join(dir, rel));
  };
  add('lf.txt', `${makeText(random, 400, false)}\n`);
  add('crlf.txt', makeText(random, 300, true)); // CRLF, last line without a newline
  add('empty.txt', '');
  add('nested/one-line.txt', 'Straße straße STRASSE');
  add('nested/deeper/long-lines.txt', `${'word '.repeat(5000)}\n${'東京'.repeat(3000)}\n`);
  add('nested/packed.txt.gz', gzipSync(Buffer.from(makeText(random, 200, false))));
  for (let i = 0; i < 30; i++) add(`nested/small-${i}.txt`, makeText(random, 2, random() < 0.5));
  writeFileSync(join(dir, '.hidden.txt'), 'hidden words must not count');
  writeFileSync(join(dir, '_ignored.txt'), 'ignored words must not count');
  return { dir, files };
}

function expectCounts(outDir: string, expected: Map<string, number>) {
  const out = readOutput(outDir);
  const got = new Map<string, number>();
  for (const r of out.records) {
    expect(got.has(r.key as string), `key ${String(r.key)} appears twice`).toBe(false);
    got.set(r.key as string, r.value as number);
  }
  expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));
  for (const lines of out.partLines) {
    const keys = lines.map((l) => Buffer.from(JSON.parse(l).key as string, 'utf8'));
    for (let i = 1; i < keys.length; i++)
      expect(Buffer.compare(keys[i - 1] as Buffer, keys[i] as Buffer)).toBe(-1);
  }
  return out;
}

describe('wordcount, embedded', () => {
  const { dir, files } = corpus('corpus', 1);
  const expected = plainWordCount(files);

  it.each([
    { splitSize: 7, reducers: 3 },
    { splitSize: 100, reducers: 8 },
    { splitSize: 4096, reducers: 1 },
    { splitSize: 64 * 1024 * 1024, reducers: 4 },
  ])('counts every word exactly once with split size $splitSize and $reducers reducers', async (o) => {
    const output = join(tmp.dir, `out-${o.splitSize}`);
    const summary = await runEmbedded({ job: 'examples/wordcount', inputs: [dir], output, ...o, threads: 2 });
    const out = expectCounts(output, expected);
    expect(out.manifest.parts).toHaveLength(o.reducers);
    expect(summary.manifest.records.out).toBe(expected.size);
  });

  it('runs one split per map task when asked, and more reducers than keys', async () => {
    const output = join(tmp.dir, 'out-per-task');
    await runEmbedded({
      job: 'examples/wordcount',
      inputs: [join(dir, 'lf.txt'), join(dir, 'crlf.txt')],
      output,
      splitSize: 512,
      splitsPerTask: 1,
      reducers: 64,
      threads: 2,
    });
    expectCounts(output, plainWordCount([join(dir, 'lf.txt'), join(dir, 'crlf.txt')]));
  });

  it('reads globs, and gives byte-identical parts when run again', async () => {
    const glob = `${dir}/nested/**/*.txt`;
    const a = join(tmp.dir, 'glob-a');
    const b = join(tmp.dir, 'glob-b');
    await runEmbedded({ job: 'examples/wordcount', inputs: [glob], output: a, splitSize: 64, threads: 2 });
    await runEmbedded({ job: 'examples/wordcount', inputs: [glob], output: b, splitSize: 1000, threads: 2 });
    const nested = files.filter((f) => f.includes('/nested/') && f.endsWith('.txt'));
    const outA = expectCounts(a, plainWordCount(nested));
    const outB = readOutput(b);
    expect(outB.manifest.parts.map((p) => p.sha256)).toEqual(outA.manifest.parts.map((p) => p.sha256));
  });
});
