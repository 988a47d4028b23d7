/**
 * Measures MapOutputBuffer throughput on wordcount-like data: string keys drawn from a
 * 1M-word vocabulary with Zipf (s = 1) frequencies, value 1, a sum combiner. Not a test:
 * `npx tsx test/unit/shuffle/measureAdd.ts [adds=20000000] [budgetMiB=256] [partitions=16]`.
 *
 * Words are fresh strings from `split`, as a map function's tokens are, so no hash is cached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapOutputBuffer } from '../../../framework/shuffle/index.js';

const adds = Number(process.argv[2] ?? 20_000_000);
const budget = Number(process.argv[3] ?? 256) * 2 ** 20;
const partitions = Number(process.argv[4] ?? 16);
const VOCABULARY = 1_000_000;
const BATCH = 1_000_000;

let seed = 42;
const random = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const letters = 'etaoinshrdlcumwfgypbvkjxqz';
const vocabulary = Array.from({ length: VOCABULARY }, (_, rank) => {
  let word = '';
  for (let n = rank; word.length < 3 || n > 0; n = Math.floor(n / 26)) word += letters[n % 26];
  return word;
});
const cdf = new Float64Array(VOCABULARY);
let total = 0;
for (let r = 0; r < VOCABULARY; r++) cdf[r] = total += 1 / (r + 1);
const draw = (): string => {
  const x = random() * total;
  let lo = 0;
  let hi = VOCABULARY - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return vocabulary[lo] as string;
};
const texts = Array.from({ length: 4 }, () => Array.from({ length: BATCH }, draw).join(' '));

const spillDir = mkdtempSync(join(tmpdir(), 'measure-add-'));
const buffer = new MapOutputBuffer<string, number>({
  partitions,
  memoryBudgetBytes: budget,
  spillDir,
  combine: (_word, counts) => counts.reduce((a, b) => a + b, 0),
});
let addNs = 0n;
for (let done = 0; done < adds; done += BATCH) {
  const words = (texts[(done / BATCH) % texts.length] as string).split(' ');
  const start = process.hrtime.bigint();
  for (const word of words) buffer.add(word, 1);
  addNs += process.hrtime.bigint() - start;
}
const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
const finishStart = process.hrtime.bigint();
const output = await buffer.finish();
const finishMs = Number(process.hrtime.bigint() - finishStart) / 1e6;
const addSeconds = Number(addNs) / 1e9;
console.log(
  JSON.stringify({
    adds,
    addsPerSecond: Math.round(adds / addSeconds),
    addSeconds: +addSeconds.toFixed(3),
    heapMiBBeforeFinish: Math.round(heapMiB),
    finishMs: Math.round(finishMs),
    spills: output.spills,
    keys: output.keys,
    records: output.records,
    fileMiB: +(output.bytes / 2 ** 20).toFixed(1),
  }),
);
buffer.dispose();
rmSync(spillDir, { recursive: true, force: true });
