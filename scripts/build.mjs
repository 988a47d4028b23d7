#!/usr/bin/env node
// Builds the published JavaScript: every framework/**/*.ts transpiled on its own by esbuild to
// dist/ (the module layout kept, so import.meta.url and relative imports hold), and with
// --types the declarations by tsc. Usage:
//   node scripts/build.mjs            JavaScript only (what `prepare` and the tests need; < 1 s)
//   node scripts/build.mjs --types    and the .d.ts files (what `npm pack` ships)
//   node scripts/build.mjs --if-stale JavaScript only, and only when a source is newer than dist/
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = join(ROOT, 'framework');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const flags = new Set(process.argv.slice(2));

const sources = readdirSync(SOURCE, { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => join(SOURCE, file));

/** Whether dist/ is older than a source file, or than the list of them (a file added or removed). */
function stale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  if (readdirSync(SOURCE, { recursive: true }).join('\n') !== readStamp()) return true;
  return sources.some((file) => statSync(file).mtimeMs > built);
}

function readStamp() {
  return existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : '';
}

if (flags.has('--if-stale') && !stale()) process.exit(0);

const started = performance.now();
// Built beside dist/ and swapped in, so a process running from dist/ meanwhile (a test's
// command, another build) never sees a half-written tree.
const next = `${DIST}.${process.pid}`;
rmSync(next, { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: next,
  outbase: SOURCE,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
});
/**
 * The packages bundled into the workers' bundle: ES modules of plain JavaScript, most of many
 * modules. Others are left to Node: the AWS SDK, loaded on some paths only; msgpackr, which
 * finds a native addon beside itself; picomatch, CommonJS that fdir also requires at run time.
 */
const BUNDLED_PACKAGES = /^(zod|csv-parse|csv-stringify|tinyglobby|fdir)(\/|$)/;
// The pool's workers load one bundle instead of some 250 modules (stepmr's and zod's) each:
// the worker module, stepmr's API (what a job's `import … from 'stepmr'` gets in a worker, so
// the job and the handlers share one copy of the library) and the built-in delegate job, their
// common code split into shared chunks.
await build({
  entryPoints: {
    runHandler: join(SOURCE, 'runtime/embedded/runHandler.ts'),
    index: join(SOURCE, 'index.ts'),
    delegateJob: join(SOURCE, 'delegate/delegateJob.ts'),
  },
  outdir: join(next, 'worker'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Maps beside the files for a debugger, not named in them: a worker with source maps on (to
  // map a TypeScript job's stack traces) would otherwise read and parse the bundle's at start.
  sourcemap: 'external',
  logLevel: 'warning',
  define: { STEPMR_WORKER_BUNDLE: 'true' },
  plugins: [
    {
      name: 'bundled-packages',
      setup(on) {
        on.onResolve({ filter: /^[^./]/ }, (args) =>
          BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
// The top-level help's list of commands, read from the built commands, so that `stepmr --help`
// loads none of them.
const catalogue = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const { Command } = await import('commander');
     const { describeCommands } = await import(${JSON.stringify(pathToFileURL(join(next, 'cli', 'commands.js')).href)});
     process.stdout.write(JSON.stringify(await describeCommands(new Command('stepmr')), null, 2));`,
  ],
  { cwd: ROOT, encoding: 'utf8' },
);
if (catalogue.status !== 0) {
  process.stderr.write(catalogue.stderr);
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}
writeFileSync(join(next, 'cli', 'commands.json'), `${catalogue.stdout}\n`);
let what = `${sources.length} modules`;
if (flags.has('--types')) {
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      next,
    ],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    process.exit(tsc.status ?? 1);
  }
  what += ' and their declarations';
}
writeFileSync(join(next, '.built'), readdirSync(SOURCE, { recursive: true }).join('\n'));
const old = `${DIST}.old.${process.pid}`;
if (existsSync(DIST)) renameSync(DIST, old);
renameSync(next, DIST);
rmSync(old, { recursive: true, force: true });
const ms = Math.round(performance.now() - started);
process.stderr.write(`built ${what} into ${relative(process.cwd(), DIST) || '.'}/ in ${ms} ms\n`);
