import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../../../dist/', import.meta.url).href;

/**
 * Starts a fresh Node as a pool worker starts (the built handlers, then a user's job module),
 * and returns every bare package the thread resolved, as Node's own resolver saw them.
 */
function packagesLoaded(job: string, env: Record<string, string> = {}): string[] {
  const script = `
    import module from 'node:module';
    const seen = new Set();
    module.registerHooks({ resolve(specifier, context, next) {
      if (!/^[./]|^node:|^file:|^data:/.test(specifier)) seen.add(specifier);
      return next(specifier, context);
    } });
    const { loadHandlers } = await import('${DIST}runtime/embedded/embeddedHandlers.js');
    const handlers = await loadHandlers();
    if (typeof handlers.map !== 'function') throw new Error('no map handler');
    const { loadJobModule } = await import('${DIST}runtime/loadJob.js');
    const job = await loadJobModule(${JSON.stringify(job)});
    if (typeof job.map !== 'function') throw new Error('no job');
    console.log(JSON.stringify([...seen]));
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
    expect(loaded).toContain('zod');
    expect(loaded.filter((p) => /middy|powertools|^tsx/.test(p))).toEqual([]);
  });

  it('loads the TypeScript compiler for a TypeScript job, and the middleware when logs are asked for', () => {
    expect(packagesLoaded(tsJob).filter((p) => p.startsWith('tsx'))).not.toEqual([]);
    const logged = packagesLoaded(jsJob, { POWERTOOLS_LOG_LEVEL: 'INFO' });
    expect(logged).toContain('@middy/core');
  });
});
