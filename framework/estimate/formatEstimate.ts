import type { SuccessData } from '../contract/persisted.js';
import { REQUEST_KINDS, type RequestCounts } from '../store/CountingStore.js';
import type { JobEstimate } from './estimateJob.js';
import { AWS_LIMITS } from './prices.js';

const LABELS: Record<(typeof REQUEST_KINDS)[number], string> = {
  list: 'LIST',
  get: 'GET',
  rangedGet: 'ranged GET',
  put: 'PUT',
  copy: 'COPY',
  delete: 'DELETE',
  head: 'HEAD',
};

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const gib = (b: number) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  const i = b < 1 ? 0 : Math.min(units.length - 1, Math.floor(Math.log(b) / Math.log(1024)));
  return `${(b / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
};
const usd = (x: number) => `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;
const pad = (text: string, width: number) => text.padStart(width);

/** The measured requests of a stage in `_SUCCESS`, if its tasks counted them. */
const measured = (stage: SuccessData['stages']['map'] | undefined) => stage?.requests;

/**
 * The estimate as `stepmr estimate` prints it: tasks, child executions, state transitions, S3
 * requests by kind and stage, bytes, Lambda GB-seconds, request rates against S3's per-prefix
 * limits, time and dollars. With `actual` (a `_SUCCESS` of the same job), the requests its map
 * and reduce tasks counted, and their GB-seconds, stand beside the estimate's.
 *
 * @example
 * ```ts
 * process.stdout.write(formatEstimate(estimateJob(shape)));
 * ```
 */
export function formatEstimate(e: JobEstimate, actual?: SuccessData): string {
  const { requests: r, lambda } = e;
  const lines: string[] = [];
  const reduces = r.reduce.tasks > 0;
  lines.push(
    `tasks: ${n(r.map.tasks)} map${reduces ? `, ${n(r.reduce.tasks)} reduce` : ' (map-only)'}, ${n(lambda.collect.invocations)} collect`,
    `Step Functions: ${n(e.childExecutions)} EXPRESS child executions (Distributed Map), ${n(e.stateTransitions)} state transitions (Standard, one per child included)`,
    `bytes: ${gib(r.map.taskBytes.reduce((a, b) => a + b, 0))} in, ${gib(r.shuffleBytes)} shuffled, ${gib(r.outputBytes)} out`,
    '',
  );
  const stages: [string, RequestCounts, RequestCounts | undefined][] = [
    ['driver', r.driver, undefined],
    ['map tasks', r.map.requests, measured(actual?.stages.map)],
    ['shuffle', r.shuffle, undefined],
    ['reduce tasks', r.reduce.requests, measured(actual?.stages.reduce)],
    ['map runs', r.mapRuns, undefined],
    ['commit', r.commit, undefined],
    ['total', r.total, undefined],
  ];
  const header = ['S3 requests', ...REQUEST_KINDS.map((k) => LABELS[k])];
  const width = 12;
  lines.push(header.map((h, i) => (i === 0 ? h.padEnd(16) : pad(h, width))).join(''));
  for (const [name, counts, got] of stages) {
    if (!reduces && (name === 'shuffle' || name === 'reduce tasks')) continue;
    lines.push([name.padEnd(16), ...REQUEST_KINDS.map((k) => pad(n(counts[k]), width))].join(''));
    if (got)
      lines.push(['  counted'.padEnd(16), ...REQUEST_KINDS.map((k) => pad(n(got[k]), width))].join(''));
  }
  lines.push('');
  const gbs = (stage: typeof lambda.map) =>
    `${n(stage.invocations)} × ${stage.taskSeconds.toFixed(1)} s, ${n(stage.gbSeconds)} GB-s`;
  lines.push(
    `Lambda (arm64) at ${e.mbPerSecond} MiB/s per task: map ${gbs(lambda.map)}${reduces ? `; reduce ${gbs(lambda.reduce)}` : ''}; collect ${lambda.collect.gbSeconds.toFixed(1)} GB-s`,
  );
  if (actual) {
    const counted = (stage: SuccessData['stages']['map'] | undefined) =>
      stage?.gbSeconds === undefined ? 'not counted' : `${stage.gbSeconds.toFixed(1)} GB-s`;
    lines.push(
      `  counted: map ${counted(actual.stages.map)}${reduces ? `; reduce ${counted(actual.stages.reduce)}` : ''}`,
    );
  }
  const get = AWS_LIMITS.s3GetPerPrefixPerSecond;
  const put = AWS_LIMITS.s3PutPerPrefixPerSecond;
  const over = (rate: number, limit: number) =>
    rate > limit ? ` OVER S3's ${n(limit)}/s` : ` (S3: ${n(limit)}/s per partitioned prefix)`;
  const { prefixes } = e.peak;
  const puts = e.peak.shufflePutsPerSecond / prefixes;
  const gets = e.peak.shuffleGetsPerSecond / prefixes;
  lines.push(
    `concurrency: ${n(Math.min(e.concurrency, Math.max(r.map.tasks, r.reduce.tasks)))} tasks at once (Lambda quota ${n(AWS_LIMITS.lambdaConcurrency)} by default)`,
    `shuffle, on each of its ${prefixes} prefixes: ${n(puts)} PUT/s${over(puts, put)}, ${n(gets)} ranged GET/s${over(gets, get)}`,
    `time: about ${e.minutes < 1 ? `${(e.minutes * 60).toFixed(0)} s` : `${e.minutes.toFixed(1)} min`}`,
    `cost in ${e.region} (list prices of ${e.pricesDate}): S3 ${usd(e.dollars.s3)}, Lambda ${usd(e.dollars.lambda)}, Step Functions ${usd(e.dollars.stepFunctions)}; total ${usd(e.dollars.total)}`,
  );
  for (const warning of e.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
