import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Key } from '../../../framework/job/types.js';
import { encodeKey, partitionOf } from '../../../framework/shuffle/index.js';
import { murmur3 } from '../../../framework/shuffle/partitioner.js';
import { randomKey, rng } from './keys.js';

const root = resolve(import.meta.dirname, '../../..');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stepmr-partitioner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('murmur3', () => {
  it('matches the published MurmurHash3 x86_32 test vectors', () => {
    const vectors: [string, number, number][] = [
      ['', 0, 0],
      ['', 1, 0x514e28b7],
      ['hello', 0, 0x248bfa47],
      ['abc', 0, 0xb3dd93fa],
      ['abcd', 0, 0x43ed676a],
      ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ];
    for (const [text, seed, hash] of vectors)
      expect(murmur3(Buffer.from(text), 0, text.length, seed)).toBe(hash);
  });
});

describe('partitionOf', () => {
  it('gives every key the same partition in a separate node process', () => {
    const random = rng(3);
    const keys: Key[] = Array.from({ length: 2000 }, () => randomKey(random));
    const here = keys.map((key) => partitionOf(encodeKey(key), 64));
    const script = join(dir, 'partitions.ts');
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
import { encodeKey, partitionOf } from ${JSON.stringify(join(root, 'framework/shuffle/index.ts'))};
const keys = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(keys.map((key) => partitionOf(encodeKey(key), 64))));`,
    );
    // JSON turns -0 into 0, which is the same key.
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      input: JSON.stringify(keys),
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual(here);
  });

  it.each([8, 64])('spreads 100k distinct keys over %i partitions within ±10% of the mean', (partitions) => {
    const counts = new Array<number>(partitions).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const key: Key = i % 3 === 0 ? `word-${i}` : i % 3 === 1 ? i : ['user', i];
      const p = partitionOf(encodeKey(key), partitions);
      counts[p] = (counts[p] as number) + 1;
    }
    const mean = 100_000 / partitions;
    for (const count of counts) expect(Math.abs(count - mean)).toBeLessThanOrEqual(mean * 0.1);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionOf(encodeKey('a'), 0)).toThrow('partitions must be an integer');
    expect(() => partitionOf(encodeKey('a'), 1.5)).toThrow('partitions must be an integer');
  });
});
