import { defineStream, jsonLines } from 'stepmr';

/** One page view, as the web servers log it: one JSON object a line. */
export interface Click {
  readonly user: string;
  readonly page: string;
  /** ISO 8601. */
  readonly time: string;
}

/** Views and distinct-visitor-free totals of one page. */
interface PageTotals {
  readonly views: number;
  readonly bytes: number;
}

const add = (_page: string, totals: PageTotals[]): PageTotals => {
  let views = 0;
  let bytes = 0;
  for (const t of totals) {
    views += t.views;
    bytes += t.bytes;
  }
  return { views, bytes };
};

/**
 * Running page-view totals of a click stream: every micro-batch folds the clicks that arrived
 * into the totals, and publishes the whole table as `snapshot=<N>/`.
 */
export default defineStream({
  name: 'clicks',
  source: { prefix: 'in/clicks/' },
  input: jsonLines<Click>(),
  trigger: { every: '1 minute', maxFilesPerBatch: 1000, maxBytesPerBatch: '1GiB' },
  map(click, emit) {
    emit(click.page, { views: 1, bytes: Buffer.byteLength(JSON.stringify(click)) });
  },
  combine: add,
  reduce: add,
  mode: 'update',
});
