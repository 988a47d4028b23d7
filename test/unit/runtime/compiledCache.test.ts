import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cachedModules, cacheModules } from '../../../framework/runtime/compiledCache.js';
import { compileUserModules } from '../../../framework/runtime/compileUserModules.js';

const root = mkdtempSync(join(tmpdir(), 'stepmr-compiled-cache-'));
const previous = process.env.TMPDIR;
afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
let project = '';
let job = '';
beforeEach(() => {
  // A cache of its own for each test: the cache lives under the temporary folder.
  n += 1;
  process.env.TMPDIR = join(root, `tmp-${n}`);
  mkdirSync(process.env.TMPDIR, { recursive: true });
  project = join(root, `project-${n}`);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'helper.ts'), 'export const twice = (n: number): number => 2 * n;\n');
  job = join(project, 'job.ts');
  writeFileSync(job, "import { twice } from './helper.js';\nexport default twice(21);\n");
});

describe('the cache of compiled job modules', () => {
  it('gives back what a run compiled while the files are unchanged, and nothing once one is edited', async () => {
    const modules = await compileUserModules(job);
    expect(modules && Object.keys(modules).sort()).toEqual(
      [pathToFileURL(job).href, pathToFileURL(join(project, 'helper.ts')).href].sort(),
    );
    if (!modules) return;
    expect(cachedModules(job)).toBeUndefined();
    cacheModules(job, modules);
    expect(cachedModules(job)).toEqual(modules);
    // An edit of a file the job imports, not of the job itself, is seen too.
    writeFileSync(join(project, 'helper.ts'), 'export const twice = (n: number): number => n + n;\n');
    expect(cachedModules(job)).toBeUndefined();
  });

  it('is not used when its folder is writable by others, who could plant code in it', async () => {
    const modules = await compileUserModules(job);
    if (!modules) throw new Error('the job did not compile');
    cacheModules(job, modules);
    expect(cachedModules(job)).toEqual(modules);
    const folder = join(process.env.TMPDIR ?? '', `stepmr-${process.getuid?.()}`, 'compiled');
    chmodSync(folder, 0o777);
    expect(cachedModules(job)).toBeUndefined();
  });
});
