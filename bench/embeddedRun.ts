import { redriveEmbedded, runEmbedded } from '../framework/index.js';

/**
 * One embedded run in its own process, so its peak memory is its own. Argument: a JSON
 * `EmbeddedRun`, or `{ redrive: true, output, … }` for a redrive. Prints `{ ms, stageMs,
 * records, failedTasks, maxRssBytes }`.
 */
const run = JSON.parse(process.argv[2] ?? '{}');
const started = performance.now();
const summary = run.redrive ? await redriveEmbedded(run) : await runEmbedded(run);
process.stdout.write(
  `${JSON.stringify({
    ms: performance.now() - started,
    stageMs: summary.stageMs,
    recordsIn: summary.manifest.records.in,
    recordsOut: summary.manifest.records.out,
    mapTasks: summary.manifest.stages.map.tasks,
    failedTasks: summary.manifest.failedSplits.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
