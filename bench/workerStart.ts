import { Worker } from 'node:worker_threads';

/**
 * How long a worker of the embedded pool takes to be ready, as the pool starts it: a new
 * thread that imports the built worker bundle (dist/worker/runHandler.js), which loads the
 * handlers and then the run's job module, compiled once by this thread (as `runEmbedded`
 * compiles it) and handed over in the worker's data, so no TypeScript loader starts in the
 * worker. Prints `{ compileMs, handlersMs: number[], jobMs: number[], handlersCpuMs, jobCpuMs }`:
 * the one compile in this thread; wall times over `rounds` fresh workers (handlers only, then
 * handlers and job), each timed from `new Worker` here until the worker is ready; and the least
 * CPU time (user + system) of such a worker's thread from its start until ready, which a loaded
 * machine inflates far less than wall time. Arguments: job path, rounds.
 */
const [job = 'examples/wordcount/job.ts', rounds = '5'] = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url).href;
const jobPath = new URL(`../${job}`, import.meta.url).pathname;
const env = { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' };

const { compiledUserModules } = (await import(`${dist}runtime/userModules.js`)) as {
  compiledUserModules(path: string): Promise<unknown>;
};
const compileStart = performance.now();
const userModules = await compiledUserModules(jobPath);
const compileMs = Math.round(performance.now() - compileStart);

const code = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { workerReady } = await import(workerData.dist + 'worker/runHandler.js');
  await workerReady();
  const cpu = process.threadCpuUsage();
  parentPort.postMessage({ now: performance.timeOrigin + performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 });
})();
`;

/** One fresh worker, as the pool starts it: wall time until ready, and the thread's CPU time. */
async function startWorker(withJob: boolean): Promise<{ ms: number; cpuMs: number }> {
  const start = performance.timeOrigin + performance.now();
  const worker = new Worker(code, {
    eval: true,
    workerData: { dist, ...(withJob && userModules ? { userModules } : {}) },
    env: withJob ? { ...env, STEPMR_PRELOAD_JOB: jobPath } : env,
  });
  const ready = await new Promise<{ now: number; cpuMs: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return { ms: ready.now - start, cpuMs: ready.cpuMs };
}

const handlersMs: number[] = [];
const jobMs: number[] = [];
const handlersCpu: number[] = [];
const jobCpu: number[] = [];
for (let i = 0; i < Number(rounds); i++) {
  const handlers = await startWorker(false);
  handlersMs.push(handlers.ms);
  handlersCpu.push(handlers.cpuMs);
  const withJob = await startWorker(true);
  jobMs.push(withJob.ms);
  jobCpu.push(withJob.cpuMs);
}
process.stdout.write(
  `${JSON.stringify({
    compileMs,
    handlersMs,
    jobMs,
    handlersCpuMs: Math.min(...handlersCpu),
    jobCpuMs: Math.min(...jobCpu),
  })}\n`,
);
