import type { RunSummary } from '../runtime/Driver.js';
import { bytes, count, duration } from './format.js';
import { plural } from './progressView.js';

/**
 * The end-of-run summary: records and bytes in and out, wall time per stage, and where the
 * result is.
 *
 * @example
 * ```ts
 * process.stderr.write(formatSummary(summary));
 * ```
 */
export function formatSummary(summary: RunSummary): string {
  const m = summary.manifest;
  const secs = summary.wallMs / 1000;
  const lines = [
    `job ${summary.jobId} succeeded in ${duration(summary.wallMs)}`,
    `  input    ${count(m.records.in)} records, ${bytes(m.bytes.in)} in ${plural(m.splits, 'split')} (${bytes(m.bytes.in / Math.max(secs, 1e-3))}/s)`,
    `  output   ${count(m.records.out)} records, ${bytes(m.bytes.out)} in ${plural(m.parts.length, 'part')}`,
    `  map      ${plural(m.stages.map.tasks, 'task')}, ${count(m.stages.map.recordsOut)} pairs emitted`,
  ];
  if (m.stages.reduce) {
    lines.push(
      `  reduce   ${plural(m.stages.reduce.tasks, 'task')}, ${count(m.stages.reduce.recordsIn)} values merged`,
    );
  }
  const stages = Object.entries(summary.stageMs)
    .filter(([name]) => name !== 'Done')
    .map(([name, ms]) => `${name.toLowerCase()} ${duration(ms)}`)
    .join(', ');
  // Known where the engine's events were seen (stepmr run), not from a cloud execution's polls.
  if (stages) lines.push(`  time     ${stages}`);
  if (m.failedSplits.length)
    lines.push(
      `  failed   ${plural(m.failedSplits.length, 'map task')} tolerated (see _SUCCESS); run them again with: stepmr redrive ${summary.output}`,
    );
  const calls = m.delegate;
  if (calls) {
    const { p50, p95, p99 } = calls.latencyMs;
    lines.push(
      `  calls    ${count(calls.calls)} made: ${count(calls.ok)} ok, ${count(calls.failed)} failed (--max-failed ${calls.maxFailed}), ${count(calls.retries)} retries, ${count(calls.throttles)} throttled; latency p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms`,
    );
    if (calls.failed > 0) {
      lines.push(`  redrive  run the failed calls again with: stepmr redrive ${summary.output}`);
    }
  }
  if (m.badRecords.count) lines.push(`  skipped  ${m.badRecords.count} bad records (samples in _SUCCESS)`);
  lines.push(`  result   ${summary.output}  (manifest: ${summary.output}/_SUCCESS)`);
  return `${lines.join('\n')}\n`;
}
