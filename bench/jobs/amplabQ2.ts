import { csv, defineJob } from 'stepmr';

/** A row of AMPLab's uservisits table, as its CSV gives it. */
type UserVisit = Record<
  | 'sourceIP'
  | 'destURL'
  | 'visitDate'
  | 'adRevenue'
  | 'userAgent'
  | 'countryCode'
  | 'languageCode'
  | 'searchWord'
  | 'duration',
  string
>;

/** A decimal with at most six decimals, in millionths: integers add exactly. */
function millionths(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return Number(text) * 1_000_000;
  const fraction = text.slice(dot + 1);
  if (fraction.length > 6) throw new RangeError(`adRevenue ${text} has more than six decimals`);
  return Number(text.slice(0, dot)) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

const sum = (_prefix: string, values: number[]) => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/**
 * AMPLab big-data-benchmark query 2: `SELECT SUBSTR(sourceIP, 1, 8), SUM(adRevenue) FROM
 * uservisits GROUP BY SUBSTR(sourceIP, 1, 8)`, the revenue summed in millionths (exact).
 */
export default defineJob({
  name: 'amplab-q2',
  input: csv<UserVisit>(),
  map(visit, emit) {
    emit(visit.sourceIP.slice(0, 8), millionths(visit.adRevenue));
  },
  combine: sum,
  reduce: sum,
});
