/**
 * Measures the map-side buffer on wordcount-like data: string keys drawn from a vocabulary with
 * Zipf (s = 1) frequencies, value 1, a sum combiner; then `finish` (sort, spill merge, write)
 * and a reduce-side `mergeRuns` of the file. Not a test:
 *
 *   npx tsx test/unit/shuffle/measureAdd.ts [adds=20e6] [budgetMiB=256] [partitions=16] [vocabulary=1e6]
 *
 * The text is cut in lines of 12 words, and each line is split inside the timed loop, as a map
 * function does, so every word is a fresh, short-lived string. The same loop without `add` is
 * timed too and subtracted. Times are CPU times of this process (the machine may be shared).
 * The merge figures read the file back with `mergeRuns`: each partition once (1-way), then
 * eight times over (an 8-way merge in which every key is in every run).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapOutputBuffer, mergeRuns } from '../../framework/shuffle/index.js';

const adds = Number(process.argv[2] ?? 20e6);
const budget = Number(process.argv[3] ?? 256) * 2 ** 20;
const partitions = Number(process.argv[4] ?? 16);
const vocabularySize = Number(process.argv[5] ?? 1e6);
const BATCH = 1_000_000;

const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

let seed = 42;
const random = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const letters = 'etaoinshrdlcumwfgypbvkjxqz';
const vocabulary = Array.from({ length: vocabularySize }, (_, rank) => {
  let word = '';
  for (let n = rank; word.length < 3 || n > 0; n = Math.floor(n / 26)) word += letters[n % 26];
  return word;
});
const cdf = new Float64Array(vocabularySize);
let total = 0;
for (let r = 0; r < vocabularySize; r++) {
  total += 1 / (r + 1);
  cdf[r] = total;
}
const draw = (): string => {
  const x = random() * total;
  let lo = 0;
  let hi = vocabularySize - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return vocabulary[lo] as string;
};
const texts = Array.from({ length: 4 }, () => {
  const words = Array.from({ length: BATCH }, draw);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 12) lines.push(words.slice(i, i + 12).join(' '));
  return lines;
});

const spillDir = mkdtempSync(join(tmpdir(), 'measure-add-'));
const buffer = new MapOutputBuffer<string, number>({
  partitions,
  memoryBudgetBytes: budget,
  spillDir,
  combine: (_word, counts) => counts.reduce((a, b) => a + b, 0),
});
let loop = 0;
let split = 0;
let sink = 0;
for (let done = 0; done < adds; done += BATCH) {
  const lines = texts[(done / BATCH) % texts.length] as string[];
  let start = cpu();
  for (const line of lines) for (const word of line.split(' ')) buffer.add(word, 1);
  loop += cpu() - start;
  start = cpu();
  for (const line of lines) for (const word of line.split(' ')) sink += word.length;
  split += cpu() - start;
}
if (sink < 0) console.log(sink);
const finishStart = cpu();
const output = await buffer.finish();
const finishSeconds = cpu() - finishStart;

const mergeStart = cpu();
let groups = 0;
for (const run of output.index) {
  const chunks =
    run.length === 0
      ? []
      : [createReadStream(output.path, { start: run.offset, end: run.offset + run.length - 1 })];
  for await (const _ of mergeRuns(chunks)) groups++;
}
const mergeSeconds = cpu() - mergeStart;

// An 8-way merge: every partition's run read 8 times over, as from 8 map tasks with equal keys.
const wideStart = cpu();
let wideEntries = 0;
for (const run of output.index) {
  if (run.length === 0) continue;
  const runs = Array.from({ length: 8 }, () =>
    createReadStream(output.path, { start: run.offset, end: run.offset + run.length - 1 }),
  );
  for await (const group of mergeRuns(runs)) wideEntries += group.values.length;
}
const wideSeconds = cpu() - wideStart;
console.log(
  JSON.stringify({
    adds,
    vocabulary: vocabularySize,
    budgetMiB: budget / 2 ** 20,
    addsPerSecond: Math.round(adds / (loop - split)),
    splitAndAddPerSecond: Math.round(adds / loop),
    finishSeconds: +finishSeconds.toFixed(3),
    spills: output.spills,
    keys: output.keys,
    fileMiB: +(output.bytes / 2 ** 20).toFixed(1),
    mergeGroupsPerSecond: Math.round(groups / mergeSeconds),
    merge8WayEntriesPerSecond: Math.round(wideEntries / wideSeconds),
  }),
);
buffer.dispose();
rmSync(spillDir, { recursive: true, force: true });
