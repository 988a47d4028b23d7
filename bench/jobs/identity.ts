import { defineJob, lines } from 'stepmr';

/**
 * The framework's own share: every line goes through the shuffle as a key (read, split into
 * lines, hash, encode, spill, merge, write) and comes out with its count; the job's own code
 * does next to nothing.
 */
export default defineJob({
  name: 'identity',
  input: lines(),
  map(line, emit) {
    emit(line, 1);
  },
  reduce: (_line: string, ones: number[]) => ones.length,
});
