import {
  describeFailure,
  type ExecutionReport,
  type ExecutionSummary,
  type StageProgress,
} from '../runtime/executions.js';
import { bytes, count, duration } from './format.js';

/**
 * One stage's progress: `Map       38/40 succeeded, 2 failed [FAILED]`.
 *
 * @example
 * ```ts
 * formatStage({ name: 'Map', succeeded: 3, total: 4, failed: 0, aborted: 0, running: 1, pending: 0, status: 'RUNNING', mapRunArn });
 * // 'Map        3/4 succeeded, 1 running [RUNNING]'
 * ```
 */
export function formatStage(stage: StageProgress): string {
  const parts = [`${stage.succeeded}/${stage.total} succeeded`];
  if (stage.failed) parts.push(`${stage.failed} failed`);
  if (stage.aborted) parts.push(`${stage.aborted} aborted`);
  if (stage.running) parts.push(`${stage.running} running`);
  if (stage.pending) parts.push(`${stage.pending} pending`);
  return `${stage.name.padEnd(10)} ${parts.join(', ')} [${stage.status}]`;
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
  for (const stage of report.stages) lines.push(`  ${formatStage(stage)}`);
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
