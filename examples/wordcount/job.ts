import { count, defineJob, lines } from 'stepmr';

/** A word: a maximal run of Unicode letters or digits. */
const WORD = /[\p{L}\p{N}]+/gu;

/** Counts words: each maximal run of Unicode letters or digits, lowercased. */
export default defineJob({
  name: 'wordcount',
  input: lines(),
  map(line, emit) {
    const words = line.match(WORD);
    if (words) for (const word of words) emit(word.toLowerCase(), 1);
  },
  combine: count.combine,
  reduce: count.reduce,
});
