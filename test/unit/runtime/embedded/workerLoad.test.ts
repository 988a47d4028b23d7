import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../../../dist/', import.meta.url).href;

/**
 * Starts a pool worker as the embedded runtime does, in a fresh Node: this thread compiles the
 * job module (`compiledUserModules`, as `runEmbedded` does), then a worker thread loads the built
 * worker bundle, which loads the handlers and preloads the job with what it was handed. Returns
 * every bare package the worker resolved, as Node's own resolver saw them, once the worker has
 * imported the job and found its map function.
 */
function packagesLoaded(job: string, env: Record<string, string> = {}): string[] {
  const worker = `
    const { parentPort, workerData } = require('node:worker_threads');
    const seen = new Set();
    require('node:module').registerHooks({ resolve(specifier, context, next) {
      if (!/^[./]|^node:|^file:|^data:/.test(specifier)) seen.add(specifier);
      return next(specifier, context);
    } });
    (async () => {
      const { workerReady } = await import(workerData.dist + 'worker/runHandler.js');
      await workerReady();
      const job = (await import(require('node:url').pathToFileURL(workerData.job).href)).default;
      if (typeof job?.map !== 'function') throw new Error('no job');
      parentPort.postMessage([...seen]);
    })();
  `;
  const script = `
    import { Worker } from 'node:worker_threads';
    const job = ${JSON.stringify(job)};
    const { compiledUserModules } = await import('${DIST}runtime/userModules.js');
    const userModules = await compiledUserModules(job);
    const worker = new Worker(${JSON.stringify(worker)}, {
      eval: true,
      execArgv: [],
      workerData: { dist: '${DIST}', job, ...(userModules ? { userModules } : {}) },
      env: { ...process.env, STEPMR_PRELOAD_JOB: job },
    });
    worker.once('error', (error) => { console.error(error); process.exit(1); });
    worker.once('message', async (seen) => {
      console.log(JSON.stringify(seen));
      await worker.terminate();
    });
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[];
}

describe('a worker of the embedded runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepmr-worker-load-'));
  const jsJob = join(dir, 'job.mjs');
  writeFileSync(
    jsJob,
    "import { defineJob, lines } from 'stepmr';\nexport default defineJob({ input: lines(), map: (line, emit) => emit(line, 1), reduce: (k, v) => v.length });\n",
  );
  const tsJob = join(dir, 'job.ts');
  writeFileSync(
    tsJob,
    "import { defineJob, lines } from 'stepmr';\nexport default defineJob({ input: lines(), map: (line: string, emit) => emit(line, 1), reduce: (_k, v: number[]) => v.length });\n",
  );

  it('loads no Lambda middleware and no TypeScript compiler for a JavaScript job', () => {
    const loaded = packagesLoaded(jsJob);
    expect(loaded).not.toEqual([]);
    expect(loaded.filter((p) => /middy|powertools|^tsx|^esbuild/.test(p))).toEqual([]);
  });

  it('loads no TypeScript compiler for a TypeScript job, compiled before the workers start', () => {
    const loaded = packagesLoaded(tsJob);
    expect(loaded).not.toEqual([]);
    expect(loaded.filter((p) => /^tsx|^esbuild/.test(p))).toEqual([]);
  });

  it('loads the middleware when logs are asked for', () => {
    expect(packagesLoaded(jsJob, { POWERTOOLS_LOG_LEVEL: 'INFO' })).toContain('@middy/core');
  });
});
