import { count, defineJob, fields, lines, sum } from 'stepmr';

/** Common/Combined Log Format: host ident user [time] "METHOD path protocol" status bytes … */
const LINE = /^\S+ \S+ \S+ \[[^\]]*\] "(?:[A-Z]+) (\S+)[^"]*" (\d{3}) (\d+|-)/;

/** Requests and bytes served. */
export interface Traffic {
  readonly requests: number;
  readonly bytes: number;
}

/** Requests counted, bytes summed (exactly, whatever the grouping), per (status, path). */
const traffic = fields({ requests: count, bytes: sum });

/**
 * Access-log analytics: requests and bytes per (status, path) from web server logs in
 * Common or Combined Log Format. Query strings are dropped from paths; lines that are not
 * log lines are counted under status 0, path "(unparsed)".
 */
export default defineJob({
  name: 'logs',
  input: lines(),
  map(line, emit) {
    if (line === '') return;
    const m = LINE.exec(line);
    if (!m) {
      emit([0, '(unparsed)'] as const, { requests: 1, bytes: 0 });
      return;
    }
    const [, target = '', status = '0', size = '-'] = m;
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    emit([Number(status), path] as const, { requests: 1, bytes: size === '-' ? 0 : Number(size) });
  },
  combine: traffic.combine,
  reduce: traffic.reduce,
});
