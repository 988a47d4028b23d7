import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CLIENT_SCRIPT } from './clientScript.js';
import type { ReportData, ReportTask } from './reportData.js';

/** The browser builds of the charting libraries, as JavaScript text. */
export interface ChartLibraries {
  readonly d3: string;
  readonly plot: string;
}

/**
 * Reads the browser builds of d3 and Observable Plot from the installed packages, to inline
 * them: the report then needs no network.
 *
 * @example
 * ```ts
 * const html = renderReport(data, await chartLibraries());
 * ```
 */
export async function chartLibraries(): Promise<ChartLibraries> {
  const require = createRequire(import.meta.url);
  const plotEntry = require.resolve('@observablehq/plot');
  const plotDist = join(dirname(plotEntry), '..', 'dist', 'plot.umd.min.js');
  // d3 as Plot itself depends on it.
  const d3Entry = createRequire(plotEntry).resolve('d3');
  const d3Dist = join(dirname(d3Entry), 'd3.min.js');
  const [d3, plot] = await Promise.all([readFile(d3Dist, 'utf8'), readFile(plotDist, 'utf8')]);
  return { d3, plot };
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Text inlined into a `<script>` element: `</script>` (in any case) cannot end it early. */
const inScript = (code: string) => code.replace(/<\/(script)/gi, '<\\/$1');

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const num = (x: number | undefined, unit: string) =>
  x === undefined
    ? 'not counted'
    : unit === 'USD'
      ? `$${x.toPrecision(3)}`
      : unit === 'GB-s'
        ? x.toFixed(2)
        : n(x);

function slowestTable(tasks: readonly ReportTask[]): string {
  const rows = tasks.map(
    (t) =>
      `<tr><td>${escapeHtml(t.task)}</td><td>${t.status}${t.error ? ` (${escapeHtml(t.error)})` : ''}</td><td>${s(t.ms)}</td><td>${n(t.recordsIn)}</td><td>${n(t.bytesIn)}</td><td>${n(t.bytesOut)}</td><td>${t.retries ?? 0}</td><td>${escapeHtml(t.executor ?? '')}</td></tr>`,
  );
  return `<table id="slowest"><thead><tr><th>task</th><th>status</th><th>time</th><th>records in</th><th>bytes in</th><th>bytes out</th><th>retries</th><th>ran on</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function costSection(cost: NonNullable<ReportData['cost']>): string {
  const rows = cost.lines.map(
    (l) =>
      `<tr><td>${escapeHtml(l.item)}</td><td>${num(l.estimated, l.unit)}</td><td>${num(l.counted, l.unit)}</td></tr>`,
  );
  return `<p>The estimate's model (<code>stepmr estimate</code>) over this job's shape (${escapeHtml(cost.shape)}) at ${cost.mbPerSecond} MiB/s per task, ${escapeHtml(cost.region)} list prices of ${escapeHtml(cost.pricesDate)}, beside what the map and reduce tasks counted. Estimated for the whole job, Step Functions and commit included: $${cost.estimatedJobDollars.toPrecision(3)}.</p>
<table id="cost-table"><thead><tr><th></th><th>estimated</th><th>counted</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<figure id="cost"></figure>`;
}

/**
 * The job report as one self-contained HTML page: a summary, the stages, the timeline of
 * every task attempt, bytes per task, reducer skew, the slowest tasks, and the estimate beside
 * the counted cost; charts drawn in the browser by Observable Plot, which is inlined with d3
 * (the page works offline).
 *
 * @example
 * ```ts
 * await writeFile('report.html', renderReport(reportData(manifest), await chartLibraries()));
 * ```
 */
export function renderReport(data: ReportData, libraries: ChartLibraries): string {
  const title = `stepmr report: ${data.job} ${data.jobId}`;
  const taskCount = data.tasks.length;
  const omitted = data.omittedTasks
    ? ` <strong>${n(data.omittedTasks)} faster tasks are not shown</strong> (_SUCCESS keeps the slowest ${n(taskCount)}).`
    : '';
  const skew = data.partitions.length
    ? '<figure id="skew-records"></figure><figure id="skew-bytes"></figure><p>The dashed line is the mean.</p>'
    : '<p>A map-only job has no reduce partitions.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child { text-align: left; } figure { margin: 8px 0; }
</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<table id="summary"><tbody>
<tr><td>output</td><td>${escapeHtml(data.output)}</td></tr>
<tr><td>committed</td><td>${escapeHtml(data.committedAt)}</td></tr>
<tr><td>records</td><td>${n(data.records.in)} in, ${n(data.records.out)} out</td></tr>
<tr><td>bytes</td><td>${n(data.bytes.in)} in, ${n(data.bytes.out)} out</td></tr>
<tr><td>splits, reducers</td><td>${n(data.splits)}, ${n(data.reducers)}</td></tr>
</tbody></table>
<h2>Stages</h2><figure id="stages"></figure>
<h2>Timeline</h2><p>Every task attempt, a row per worker or Lambda that ran it; retries and failures in their own colours.${omitted}</p><figure id="timeline"></figure>
<h2>Bytes per task</h2><figure id="bytes"></figure>
<h2>Reducer skew</h2>${skew}
<h2>Slowest tasks</h2>${slowestTable(data.slowest)}
<h2>Estimate against actual</h2>${data.cost ? costSection(data.cost) : '<p>No input was read: nothing to compare.</p>'}
<script type="application/json" id="report-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${inScript(libraries.d3)}</script>
<script>${inScript(libraries.plot)}</script>
<script>${inScript(CLIENT_SCRIPT)}</script>
</body></html>
`;
}
