import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded, type SuccessManifest } from '../../framework/index.js';
import { readOutput, rng, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-bad-');
afterAll(() => tmp.cleanup());
const random = rng(9);

/** Sales in JSON Lines with some malformed lines; returns the file, the good rows and the bad lines' offsets. */
function sales() {
  const lines: string[] = [];
  const good: { region: string; amount: number }[] = [];
  const badOffsets: number[] = [];
  let offset = 0;
  for (let i = 0; i < 400; i++) {
    let line: string;
    if (i % 97 === 13) {
      line = `{"region": "eu", "amount": ${i}`; // unterminated object
      badOffsets.push(offset);
    } else {
      const row = { region: ['eu', 'us', 'ap'][i % 3] as string, amount: Math.floor(random() * 1000) };
      good.push(row);
      line = JSON.stringify(row);
    }
    lines.push(line);
    offset += Buffer.byteLength(line) + 1;
  }
  const file = join(tmp.dir, 'sales.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, good, badOffsets };
}

describe('bad records, embedded', () => {
  const { file, good, badOffsets } = sales();

  it('skips, counts and samples malformed JSON Lines under --bad-records skip', async () => {
    const output = join(tmp.dir, 'skip');
    await runEmbedded({
      job: 'test/fixtures/jobs/sales.ts',
      inputs: [file],
      output,
      splitSize: 1000,
      splitsPerTask: 2,
      badRecords: 'skip',
      maxBadRecords: 10,
      threads: 2,
    });
    const out = readOutput(output);
    const expected = new Map<string, { total: number; count: number }>();
    for (const r of good) {
      const t = expected.get(r.region) ?? { total: 0, count: 0 };
      expected.set(r.region, { total: t.total + r.amount, count: t.count + 1 });
    }
    expect(new Map(out.records.map((r) => [r.key as string, r.value]))).toEqual(expected);
    const manifest = out.manifest as unknown as SuccessManifest;
    expect(manifest.badRecords.count).toBe(badOffsets.length);
    expect(manifest.badRecords.samples.map((s) => s.offset)).toEqual(badOffsets);
    for (const sample of manifest.badRecords.samples) {
      expect(sample.uri.endsWith('/sales.jsonl')).toBe(true);
      expect(sample.reason).not.toBe('');
    }
  });

  it('fails when more records are bad than --max-bad-records allows, and publishes nothing', async () => {
    const output = join(tmp.dir, 'too-many');
    const run = runEmbedded({
      job: 'test/fixtures/jobs/sales.ts',
      inputs: [file],
      output,
      badRecords: 'skip',
      maxBadRecords: badOffsets.length - 1,
      threads: 2,
    });
    await expect(run).rejects.toThrow(/BadRecordLimitError/);
    expect(existsSync(output)).toBe(false);
  });

  it('fails on the first bad record by default', async () => {
    const output = join(tmp.dir, 'strict');
    await expect(
      runEmbedded({ job: 'test/fixtures/jobs/sales.ts', inputs: [file], output, threads: 2 }),
    ).rejects.toThrow(/BadRecordError.*sales\.jsonl/);
  });

  it('skips CSV rows with the wrong number of fields', async () => {
    const input = join(tmp.dir, 'cities.csv');
    writeFileSync(
      input,
      'country,city,population\nFrance,Paris,100\nJapan,Tokyo\nJapan,Osaka,50\nBrazil,Rio,7,extra\n',
    );
    const output = join(tmp.dir, 'csv-skip');
    await runEmbedded({
      job: 'test/fixtures/jobs/cities.ts',
      inputs: [input],
      output,
      badRecords: 'skip',
      threads: 2,
    });
    const out = readOutput(output);
    expect(new Map(out.records.map((r) => [r.key as string, r.value]))).toEqual(
      new Map([
        ['France', 100],
        ['Japan', 50],
      ]),
    );
    const manifest = out.manifest as unknown as SuccessManifest;
    expect(manifest.badRecords.samples.map((s) => s.line)).toEqual([3, 5]);
  });

  it('skips lines that are not UTF-8 under skip, and fails on them by default, publishing nothing', async () => {
    // Latin-1 text among UTF-8: every line with an accent is invalid UTF-8.
    const rows = ['naïve words here', 'plain words here', 'café au lait', 'more plain words', 'déjà vu'];
    const input = join(tmp.dir, 'latin1.txt');
    writeFileSync(input, Buffer.from(`${rows.join('\n')}\n`, 'latin1'));
    const valid = rows.filter((r) => Buffer.byteLength(r) === r.length);
    const expected = new Map<string, number>();
    for (const word of valid.join(' ').split(' ')) expected.set(word, (expected.get(word) ?? 0) + 1);

    const output = join(tmp.dir, 'latin1-skip');
    await runEmbedded({ job: 'examples/wordcount', inputs: [input], output, badRecords: 'skip', threads: 2 });
    const out = readOutput(output);
    expect(new Map(out.records.map((r) => [r.key as string, r.value]))).toEqual(expected);
    const manifest = out.manifest as unknown as SuccessManifest;
    expect(manifest.badRecords.count).toBe(rows.length - valid.length);
    expect(manifest.badRecords.samples.map((s) => s.line)).toEqual([1, 3, 5]);
    for (const sample of manifest.badRecords.samples) expect(sample.reason).toMatch(/invalid UTF-8/);

    const strict = join(tmp.dir, 'latin1-strict');
    await expect(
      runEmbedded({ job: 'examples/wordcount', inputs: [input], output: strict, threads: 2 }),
    ).rejects.toThrow(/BadRecordError.*latin1\.txt.*line 1.*invalid UTF-8/s);
    expect(existsSync(strict)).toBe(false);
  });
});
