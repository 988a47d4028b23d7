/**
 * One embedded run in its own process, so its peak memory is its own. Argument: a JSON
 * `EmbeddedRun`, or `{ redrive: true, output, … }` for a redrive; with `built: true`, the run
 * uses the compiled dist/ (as `stepmr run` does) instead of the TypeScript sources. Prints
 * `{ ms, cpuMs, stageMs, records, failedTasks, maxRssBytes }` (CPU time of all its threads).
 */
const { built, ...run } = JSON.parse(process.argv[2] ?? '{}');
const api: typeof import('../framework/index.js') = built
  ? await import(new URL('../dist/index.js', import.meta.url).href)
  : await import('../framework/index.js');
const started = performance.now();
const cpu = process.cpuUsage();
const summary = run.redrive ? await api.redriveEmbedded(run) : await api.runEmbedded(run);
process.stdout.write(
  `${JSON.stringify({
    ms: performance.now() - started,
    cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu)),
    stageMs: summary.stageMs,
    recordsIn: summary.manifest.records.in,
    recordsOut: summary.manifest.records.out,
    mapTasks: summary.manifest.stages.map.tasks,
    failedTasks: summary.manifest.failedSplits.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
