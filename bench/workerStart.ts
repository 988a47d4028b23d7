import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

/**
 * How long a worker of the embedded pool takes to be ready, as the pool starts it: a new
 * thread that imports the built handlers (dist/), then loads a job module (TypeScript, so with
 * tsx). Prints `{ handlersMs: number[], jobMs: number[], handlersCpuMs, jobCpuMs }`: wall
 * times over `rounds` fresh workers, each timed from `new Worker` in this thread, and the least
 * CPU time (user + system) the same loading takes in `rounds` fresh processes, which a loaded
 * machine inflates far less than wall time. Arguments: job path, rounds.
 */
const [job = 'examples/wordcount/job.ts', rounds = '5'] = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url).href;
const code = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { loadHandlers } = await import(workerData.dist + 'runtime/embedded/embeddedHandlers.js');
  await loadHandlers();
  parentPort.postMessage({ at: 'handlers', now: performance.timeOrigin + performance.now() });
  const { loadJobModule } = await import(workerData.dist + 'runtime/loadJob.js');
  await loadJobModule(workerData.job);
  parentPort.postMessage({ at: 'job', now: performance.timeOrigin + performance.now() });
})();
`;
const handlersMs: number[] = [];
const jobMs: number[] = [];
for (let i = 0; i < Number(rounds); i++) {
  const start = performance.timeOrigin + performance.now();
  const worker = new Worker(code, {
    eval: true,
    workerData: { dist, job: new URL(`../${job}`, import.meta.url).pathname },
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { at: string; now: number }) => {
      if (m.at === 'handlers') handlersMs.push(m.now - start);
      else {
        jobMs.push(m.now - start);
        resolve();
      }
    });
    worker.on('error', reject);
  });
  await worker.terminate();
}
const cpu = (withJob: boolean) =>
  Math.min(
    ...Array.from({ length: Number(rounds) }, () => {
      const script = `
        const c = process.cpuUsage();
        const { loadHandlers } = await import('${dist}runtime/embedded/embeddedHandlers.js');
        await loadHandlers();
        ${withJob ? `const { loadJobModule } = await import('${dist}runtime/loadJob.js'); await loadJobModule(${JSON.stringify(new URL(`../${job}`, import.meta.url).pathname)});` : ''}
        const u = process.cpuUsage(c);
        console.log((u.user + u.system) / 1000);`;
      return Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          encoding: 'utf8',
          env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
        }).trim(),
      );
    }),
  );
process.stdout.write(
  `${JSON.stringify({ handlersMs, jobMs, handlersCpuMs: cpu(false), jobCpuMs: cpu(true) })}\n`,
);
