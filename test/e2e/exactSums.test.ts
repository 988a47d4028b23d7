import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { readOutput, rng, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Visits with revenues of every magnitude (cents, large sums, tiny fractions). */
function writeVisits(file: string): { prefix: string; revenue: number }[] {
  const random = rng(16);
  const visits = Array.from({ length: 30_000 }, () => {
    const scale = [0.01, 1, 1e6, 1e-9][Math.floor(random() * 4)] as number;
    const sign = random() < 0.1 ? -1 : 1;
    return { prefix: `10.${Math.floor(random() * 40)}`, revenue: sign * Math.round(random() * 1e6) * scale };
  });
  writeFileSync(file, `${visits.map((v) => JSON.stringify(v)).join('\n')}\n`);
  return visits;
}

/** x's exact value in units of 2^-1074 (doubling until whole), and the float nearest a sum of them. */
const units = (x: number): bigint => {
  let k = 0;
  let y = x;
  while (!Number.isInteger(y)) {
    y *= 2;
    k++;
  }
  return BigInt(y) * 2n ** BigInt(1074 - k);
};
const nearest = (u: bigint): number => {
  const negative = u < 0n;
  const digits = ((negative ? -u : u) * 5n ** 1074n).toString().padStart(1075, '0');
  const value = Number.parseFloat(`${digits.slice(0, -1074)}.${digits.slice(-1074)}`);
  return negative ? -value : value === 0 ? 0 : value;
};

async function run(
  job: string,
  input: string,
  name: string,
  options: { splitSize?: number; splitsPerTask?: number; reducers: number },
) {
  const output = join(tmp.dir, name);
  await runEmbedded({ job, inputs: [input], output, threads: 2, ...options });
  return output;
}

/** The parts' bytes, concatenated in key order (parts differ with the number of reducers). */
function sortedLines(output: string): string {
  return readOutput(output).partLines.flat().sort().join('\n');
}

describe('exact aggregation helpers, embedded', () => {
  const input = join(tmp.dir, 'visits.jsonl');
  const visits = writeVisits(input);

  it('give bit-identical results for small splits, the default and any reducers, equal to the exact sums', async () => {
    const job = 'test/fixtures/jobs/revenue.ts';
    const whole = await run(job, input, 'default', { reducers: 4 });
    const small = await run(job, input, 'small', { splitSize: 16 * 1024, splitsPerTask: 1, reducers: 1 });
    const seven = await run(job, input, 'seven', { splitSize: 40 * 1024, splitsPerTask: 3, reducers: 7 });
    expect(readOutput(small).manifest.parts).toHaveLength(1);
    expect(sortedLines(small)).toBe(sortedLines(whole));
    expect(sortedLines(seven)).toBe(sortedLines(whole));

    const byPrefix = new Map<string, number[]>();
    for (const v of visits) byPrefix.set(v.prefix, [...(byPrefix.get(v.prefix) ?? []), v.revenue]);
    const got = new Map(
      readOutput(whole).records.map((r) => [r.key as string, r.value as Record<string, number>]),
    );
    expect(got.size).toBe(byPrefix.size);
    for (const [prefix, values] of byPrefix) {
      const total = nearest(values.reduce((a, v) => a + units(v), 0n));
      expect(got.get(prefix)).toEqual({
        visits: values.length,
        total,
        average: total / values.length,
        lowest: Math.min(...values),
        highest: Math.max(...values),
      });
    }
  });

  it('where a plain + gives different last bits for the same two runs', async () => {
    const job = 'test/fixtures/jobs/revenue-plain.ts';
    const whole = await run(job, input, 'plain-default', { reducers: 4 });
    const small = await run(job, input, 'plain-small', {
      splitSize: 16 * 1024,
      splitsPerTask: 1,
      reducers: 1,
    });
    expect(sortedLines(small)).not.toBe(sortedLines(whole));
    expect(readFileSync(input, 'utf8').length).toBeGreaterThan(16 * 1024 * 20);
  });
});
