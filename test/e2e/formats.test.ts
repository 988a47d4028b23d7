import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { plainLines, readOutput, rng, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-formats-');
afterAll(() => tmp.cleanup());
const random = rng(42);

describe('input formats, embedded', () => {
  it('JSON Lines: totals per region equal a plain loop, for tiny and large splits', async () => {
    const regions = ['eu-west', 'us-east', 'ap-south', 'sa-east', 'ünïcode'];
    const rows = Array.from({ length: 3000 }, () => ({
      region: regions[Math.floor(random() * regions.length)] as string,
      amount: Math.round(random() * 10_000) / 100,
    }));
    const input = join(tmp.dir, 'sales.jsonl');
    writeFileSync(input, rows.map((r, i) => (i % 50 === 0 ? '\n' : '') + JSON.stringify(r)).join('\r\n'));
    const expected = new Map<string, { total: number; count: number }>();
    for (const r of rows) {
      const t = expected.get(r.region) ?? { total: 0, count: 0 };
      expected.set(r.region, { total: t.total + r.amount, count: t.count + 1 });
    }
    for (const splitSize of [13, 100_000]) {
      const output = join(tmp.dir, `sales-${splitSize}`);
      await runEmbedded({
        job: 'test/fixtures/jobs/sales.ts',
        inputs: [input],
        output,
        splitSize,
        reducers: 2,
        threads: 2,
      });
      const got = readOutput(output).records;
      expect(got.map((r) => r.key).sort()).toEqual([...expected.keys()].sort());
      for (const r of got) {
        const e = expected.get(r.key as string);
        const v = r.value as { total: number; count: number };
        expect(v.count).toBe(e?.count);
        expect(v.total).toBeCloseTo(e?.total ?? Number.NaN, 6);
      }
    }
  });

  it('CSV with a header row: population per country, header read by every split', async () => {
    const countries = ['France', 'Japan', 'Brazil', 'Côte d’Ivoire'];
    const lines = ['country,city,population'];
    const expected = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const country = countries[i % countries.length] as string;
      const population = Math.floor(random() * 1e6);
      const city = i % 7 === 0 ? `"City, ${i} ""quoted"""` : `City${i}`;
      lines.push(`${country.includes(' ') ? `"${country}"` : country},${city},${population}`);
      expected.set(country, (expected.get(country) ?? 0) + population);
    }
    const input = join(tmp.dir, 'cities.csv');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const output = join(tmp.dir, 'cities-out');
    await runEmbedded({
      job: 'test/fixtures/jobs/cities.ts',
      inputs: [input],
      output,
      splitSize: 10,
      reducers: 3,
      threads: 2,
    });
    const got = new Map(readOutput(output).records.map((r) => [r.key as string, r.value as number]));
    expect(got).toEqual(expected);
  });

  it('map-only: one part per map task, records in input order, no reduce stage', async () => {
    const a = join(tmp.dir, 'a.log');
    const b = join(tmp.dir, 'b.log');
    const body = (tag: string) =>
      Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `${tag} error ${i}` : `${tag} ok ${i}`)).join(
        '\n',
      );
    writeFileSync(a, body('a'));
    writeFileSync(b, body('b'));
    const output = join(tmp.dir, 'grep-out');
    const summary = await runEmbedded({
      job: 'test/fixtures/jobs/grep.ts',
      inputs: [a, b],
      output,
      splitSize: 1000,
      splitsPerTask: 2,
      threads: 2,
    });
    expect(summary.manifest.stages.reduce).toBeUndefined();
    const expected: unknown[] = [];
    for (const file of [a, b]) {
      let offset = 0;
      const text = readFileSync(file, 'utf8');
      for (const line of plainLines(text)) {
        if (line.includes('error'))
          expected.push({ key: [file.slice(file.lastIndexOf('/') + 1), offset], value: line });
        offset += Buffer.byteLength(line) + 1;
      }
    }
    const out = readOutput(output);
    expect(out.records).toEqual(expected);
    // One part per map task (splits of 1000 bytes, 2 per task), numbered 0, 1, 2, … in input order.
    const tasks = Math.ceil((Math.ceil(statSync(a).size / 1000) + Math.ceil(statSync(b).size / 1000)) / 2);
    expect(out.manifest.parts.map((p) => p.name)).toEqual(
      Array.from({ length: tasks }, (_, i) => `part-${String(i).padStart(5, '0')}.jsonl`),
    );
  });
});

describe('output formats and bad records, embedded', () => {
  it('writes text output as key<TAB>value lines', async () => {
    const input = join(tmp.dir, 'words.txt');
    writeFileSync(input, 'b a b\nc b\n');
    const output = join(tmp.dir, 'text-out');
    await runEmbedded({
      job: 'examples/wordcount',
      inputs: [input],
      output,
      format: 'text',
      reducers: 1,
      threads: 2,
    });
    const text = readFileSync(join(output, 'part-00000.txt'), 'utf8');
    expect(text).toBe('a\t1\nb\t3\nc\t1\n');
  });

  it('fails on a malformed CSV record, naming the file and line, and publishes nothing', async () => {
    const input = join(tmp.dir, 'bad.csv');
    writeFileSync(input, 'country,city,population\nFrance,Paris,2100000\nJapan,"Tokyo,14000000\n');
    const output = join(tmp.dir, 'bad-csv-out');
    const run = runEmbedded({ job: 'test/fixtures/jobs/cities.ts', inputs: [input], output, threads: 2 });
    await expect(run).rejects.toThrow(/bad\.csv.*line 3|line 3.*bad\.csv/);
    expect(existsSync(output)).toBe(false);
  });
});
