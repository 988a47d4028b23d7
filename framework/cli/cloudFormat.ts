import {
  describeFailure,
  type ExecutionReport,
  type ExecutionSummary,
  type StageProgress,
} from '../runtime/executions.js';
import { bytes, count, duration } from './format.js';
import { renderStage, STAGE_KINDS, type StageSnapshot } from './progressView.js';

/**
 * A stage of a job's execution as the progress view shows it: items and tasks from
 * DescribeMapRun, the Map stage's bytes from the job's working objects (records are not known
 * on AWS). Time runs from the Map Run's start to its end, or to `now`. `rate` is the measured
 * rate of bytes (or items, without bytes) per second; without it, the average since the start.
 *
 * @example
 * ```ts
 * renderStage(stageSnapshot(report.stages[0], Date.now()));
 * // 'map     3/12 splits | 12.0 MiB of 40.0 MiB | 4.0 MiB/s | ETA 7.0s | tasks: 2 running, 1 done'
 * ```
 */
export function stageSnapshot(stage: StageProgress, now: number, rate?: number): StageSnapshot {
  const kind = STAGE_KINDS[stage.name] ?? { label: stage.name.toLowerCase(), unit: 'item' };
  const done = stage.status !== 'RUNNING';
  const start = stage.startDate?.getTime() ?? now;
  const elapsedMs = Math.max(0, (done ? (stage.stopDate?.getTime() ?? now) : now) - start);
  const bytesTotal = stage.bytes?.total ?? 0;
  const bytesRead = stage.bytes?.read ?? 0;
  const work = bytesTotal > 0 ? bytesRead : stage.succeeded;
  const average = elapsedMs > 0 && work > 0 ? (work * 1000) / elapsedMs : undefined;
  return {
    label: kind.label,
    unit: kind.unit,
    items: stage.total,
    itemsDone: stage.succeeded,
    running: done ? 0 : stage.tasks.running,
    succeeded: stage.tasks.succeeded,
    failed: stage.tasks.failed,
    bytesTotal,
    bytesRead,
    records: 0,
    elapsedMs,
    rate: done ? undefined : (rate ?? average),
    done,
  };
}

/** A stage's line: the progress view's, and the Map Run's status when it did not succeed. */
function stageLine(stage: StageProgress, now: number): string {
  const line = renderStage(stageSnapshot(stage, now));
  return stage.status === 'RUNNING' || stage.status === 'SUCCEEDED' ? line : `${line} [${stage.status}]`;
}

/** `s3://b/out/wc/  1.2k records in 4 parts, 56.0 KiB` for a job's commit summary. */
function formatOutput(output: unknown): string {
  const o = (output ?? {}) as Record<string, unknown>;
  if (typeof o.output !== 'string') {
    const text = JSON.stringify(output) ?? '';
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  }
  const figures: string[] = [];
  if (typeof o.records === 'number') figures.push(`${count(o.records)} records`);
  if (typeof o.parts === 'number') figures.push(`in ${o.parts} part${o.parts === 1 ? '' : 's'}`);
  const size = typeof o.bytes === 'number' ? `, ${bytes(o.bytes)}` : '';
  return figures.length ? `${o.output}  ${figures.join(' ')}${size}` : o.output;
}

/**
 * The report of `stepmr status`: status and time, each stage's counts, and the result or the
 * error (a task's own error first, when a stage failed past its tolerance).
 *
 * @example
 * ```ts
 * process.stdout.write(formatReport(await getExecutionStatus(sfn, arn), Date.now()));
 * ```
 */
export function formatReport(report: ExecutionReport, now: number): string {
  const end = report.stopDate?.getTime() ?? now;
  const lines = [
    `${report.name}  ${report.status}  (${duration(end - report.startDate.getTime())})`,
    `  execution  ${report.executionArn}`,
    `  started    ${report.startDate.toISOString()}`,
  ];
  if (report.stopDate) lines.push(`  stopped    ${report.stopDate.toISOString()}`);
  for (const stage of report.stages) lines.push(`  ${stageLine(stage, now)}`);
  for (const note of report.notes ?? []) lines.push(`  note       ${note}`);
  if (report.status === 'SUCCEEDED') lines.push(`  output     ${formatOutput(report.output)}`);
  if (report.taskFailure)
    lines.push(`  task error ${describeFailure({ status: 'FAILED', ...report.taskFailure })}`);
  if (report.error !== undefined || report.cause !== undefined) {
    lines.push(`  error      ${describeFailure(report)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The table of `stepmr list`, newest first.
 *
 * @example
 * ```ts
 * process.stdout.write(formatExecutions(executions, Date.now()));
 * ```
 */
export function formatExecutions(executions: readonly ExecutionSummary[], now: number): string {
  const rows = executions.map((e) => [
    e.name,
    e.status,
    e.startDate.toISOString(),
    duration((e.stopDate?.getTime() ?? now) - e.startDate.getTime()),
  ]);
  const header = ['NAME', 'STATUS', 'STARTED', 'DURATION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
