import { count, defineJob, lines } from 'stepmr';

/** A word: a maximal run of Unicode letters or digits. */
const WORD = /[\p{L}\p{N}]+/gu;

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
  combine: count.combine, // map-side, before the shuffle
  reduce: count.reduce, // one call per key, keys in sorted order (sum, min, max, mean too)
});
