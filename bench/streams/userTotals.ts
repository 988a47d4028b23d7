import { defineStream, jsonLines } from 'stepmr';

/** Clicks per user, in update mode: a table of as many rows as users, for the state-merge bench. */
export default defineStream({
  name: 'usertotals',
  source: { prefix: 'in/usertotals/' },
  input: jsonLines<{ user: string }>(),
  map: (click, emit) => emit(click.user, 1),
  combine: (_user, counts) => counts.reduce((a, b) => a + b, 0),
  reduce: (_user: string, counts: number[]) => counts.reduce((a, b) => a + b, 0),
  mode: 'update',
  options: { reducers: 4 },
});
