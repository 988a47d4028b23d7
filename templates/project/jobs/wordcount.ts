import { defineJob, lines } from 'stepmr';

/** A word: a maximal run of Unicode letters or digits. */
const WORD = /[\p{L}\p{N}]+/gu;

const sum = (_word: string, counts: number[]) => counts.reduce((a, b) => a + b, 0);

/**
 * Counts words, lowercased. Run it here with
 * `npx stepmr run jobs/wordcount.ts --input data --output out/wordcount`.
 */
export default defineJob({
  name: 'wordcount',
  input: lines(),
  map(line, emit) {
    for (const word of line.match(WORD) ?? []) emit(word.toLowerCase(), 1);
  },
  combine: sum, // map-side, before the shuffle
  reduce: sum, // one call per key, keys in sorted order
});
