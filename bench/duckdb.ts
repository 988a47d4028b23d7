import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The reference: one DuckDB query in its own process (DuckDB's node-api, 2 threads, in memory),
 * timed from the query's start to its last row, its rows written to a file as JSON Lines
 * `{"key":…,"value":…}` for the bench to compare with stepmr's. Argument: JSON
 * `{ query: 'wordcount' | 'q2', files: string[], output, threads? }`. Prints `{ ms, cpuMs, rows }` (CPU time of all its threads during the query).
 *
 * - wordcount: each maximal run of Unicode letters or digits (RE2's `[\p{L}\p{N}]+`, the
 *   job's regex), lowercased, counted; lines read by `read_csv` as one column.
 * - q2: AMPLab big-data-benchmark query 2, `SELECT SUBSTR(sourceIP, 1, 8), SUM(adRevenue)
 *   FROM uservisits GROUP BY 1`, by `read_csv` over the headed CSV, adRevenue read as
 *   DECIMAL(18,6) so the sums are exact (the value is in millionths, as the stepmr job's).
 */
const {
  query,
  files,
  output,
  threads = 2,
} = JSON.parse(process.argv[2] ?? '{}') as {
  query: 'wordcount' | 'q2';
  files: string[];
  output: string;
  threads?: number;
};
const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
const SQL = {
  wordcount: `SELECT lower(w) AS key, count(*)::BIGINT AS value FROM (
      SELECT unnest(regexp_extract_all(line, '[\\p{L}\\p{N}]+')) AS w
      FROM read_csv(${list}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\t', quote = '', escape = '', auto_detect = false)
    ) GROUP BY 1`,
  q2: `SELECT SUBSTR(sourceIP, 1, 8) AS key, (SUM(adRevenue) * 1000000)::BIGINT AS value
    FROM read_csv(${list}, header = true, types = {'adRevenue': 'DECIMAL(18,6)'})
    GROUP BY 1`,
}[query];
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const started = performance.now();
const cpu = process.cpuUsage();
const reader = await connection.runAndReadAll(SQL);
const ms = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
const rows = reader.getRowObjects() as { key: string; value: bigint }[];
writeFileSync(
  output,
  rows.map((r) => `${JSON.stringify({ key: r.key, value: Number(r.value) })}\n`).join(''),
);
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (user + system) / 1000, rows: rows.length, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
