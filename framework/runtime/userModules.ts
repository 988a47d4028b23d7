import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Whether this copy of stepmr runs from its TypeScript sources (tests, the bench) rather than built. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** This stepmr's own public API: what a user's `import … from 'stepmr'` gets. */
const OWN_API = new URL(FROM_SOURCES ? '../index.ts' : '../index.js', import.meta.url).href;

/**
 * Module hooks, run in Node's loader thread (so plain JavaScript), registered after tsx's so
 * they see a module first:
 * - the bare specifier `stepmr` resolves to {@link OWN_API}, the stepmr that runs the job,
 *   wherever the job's file is;
 * - a TypeScript file whose package does not say `"type": "commonjs"` (a job file in a folder
 *   with no package.json, say) is an ES module, as Node's own syntax detection makes a `.js`
 *   file with `import` statements; tsx alone would compile it to CommonJS, whose require()
 *   these hooks do not see.
 */
const HOOKS = `
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
let target;
export function initialize(data) { target = data.target; }
function packageType(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try { return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type; } catch {}
    if (dirname(dir) === dir) return undefined;
  }
}
export async function resolve(specifier, context, next) {
  if (specifier === 'stepmr') return { url: target, shortCircuit: true };
  const resolved = await next(specifier, context);
  if (
    (resolved.format == null || resolved.format === 'commonjs' || resolved.format === 'commonjs-typescript') &&
    /^file:.*\\.tsx?$/.test(resolved.url) && !resolved.url.includes('/node_modules/') &&
    packageType(fileURLToPath(resolved.url)) !== 'commonjs'
  ) return { ...resolved, format: 'module' };
  return resolved;
}
`;

let ready: Promise<void> | undefined;

async function prepare(): Promise<void> {
  // Built, stepmr is JavaScript: TypeScript support is for the user's files only, loaded when
  // the first of them is. From the sources, the process already has it.
  if (!FROM_SOURCES) {
    const tsx = await import('tsx/esm/api');
    tsx.register();
  }
  // Registered last, so it runs before tsx's resolver (which would apply a tsconfig's paths).
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { target: OWN_API } });
}

/**
 * Imports a user's module (a job, `stepmr.config.ts`) by absolute path: TypeScript (`.ts`,
 * `.mts`, `.tsx`) or JavaScript, from anywhere on disk. Its `import … from 'stepmr'` gets the
 * stepmr that runs it, so a job file outside any project with stepmr installed still resolves,
 * and a job never mixes two copies of the library (whose `StepmrError` classes would differ).
 * The loader is set up once per thread, on the first call.
 *
 * @example
 * ```ts
 * const module = (await importUserModule('/home/me/jobs/wc.ts')) as { default?: unknown };
 * ```
 */
export async function importUserModule(path: string): Promise<unknown> {
  ready ??= prepare();
  await ready;
  return import(pathToFileURL(path).href);
}
