import module, { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { CompiledModules } from './compileUserModules.js';
import { packageType } from './packageType.js';
import { IN_WORKER_BUNDLE } from './workerBundle.js';

/** Whether this copy of stepmr runs from its TypeScript sources (tests, the bench) rather than built. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * This stepmr's own public API: what a user's `import … from 'stepmr'` gets. In a pool worker,
 * the bundle's, so that the job and the handlers share one copy of the library.
 */
const OWN_API = new URL(
  FROM_SOURCES ? '../index.ts' : IN_WORKER_BUNDLE ? './index.js' : '../index.js',
  import.meta.url,
).href;

/**
 * Module hooks, registered after tsx's so they see a module first:
 * - the bare specifier `stepmr` resolves to {@link OWN_API}, the stepmr that runs the job,
 *   wherever the job's file is;
 * - a TypeScript file whose package does not say `"type": "commonjs"` (a job file in a folder
 *   with no package.json, say) is an ES module, as Node's own syntax detection makes a `.js`
 *   file with `import` statements; tsx alone would compile it to CommonJS, whose require()
 *   these hooks do not see.
 *
 * Where Node has `module.registerHooks` (22.15 and later), they run in the thread itself
 * ({@link resolveHook}); elsewhere, as this text, in a loader thread of their own, which costs
 * a thread per worker.
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

interface Resolved {
  url: string;
  format?: string | null | undefined;
  shortCircuit?: boolean;
}

interface Loaded {
  format?: string | null | undefined;
  source?: string | ArrayBuffer | Uint8Array | null | undefined;
  shortCircuit?: boolean;
}

/** The user's TypeScript modules compiled in this thread or handed to it, by URL. */
const compiled: Record<string, CompiledModules[string]> = {};

/** {@link HOOKS}' resolve, run in the thread by `module.registerHooks`; and a compiled module's imports. */
function resolveHook(
  specifier: string,
  context: { parentURL?: string | undefined },
  next: (s: string, c?: unknown) => Resolved,
): Resolved {
  if (specifier === 'stepmr') return { url: OWN_API, shortCircuit: true };
  const parent = context.parentURL === undefined ? undefined : compiled[context.parentURL];
  const own = parent?.imports[specifier];
  if (own !== undefined) return { url: own, shortCircuit: true };
  const resolved = next(specifier, context);
  if (
    (resolved.format == null ||
      resolved.format === 'commonjs' ||
      resolved.format === 'commonjs-typescript') &&
    /^file:.*\.tsx?$/.test(resolved.url) &&
    !resolved.url.includes('/node_modules/') &&
    packageType(fileURLToPath(resolved.url)) !== 'commonjs'
  ) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}

/** Serves a compiled module's JavaScript under its TypeScript file's URL. */
function loadHook(url: string, context: unknown, next: (u: string, c?: unknown) => Loaded): Loaded {
  const module = compiled[url];
  if (module) return { format: 'module', source: module.source, shortCircuit: true };
  return next(url, context);
}

type RegisterHooks = (hooks: { resolve: typeof resolveHook; load: typeof loadHook }) => unknown;

/** A file Node cannot load without TypeScript support. */
const TYPESCRIPT = /\.[cm]?tsx?$/;

let typescript: Promise<void> | undefined;
let hooks = false;
const compiling = new Map<string, Promise<boolean>>();

const registerHooks = (module as { registerHooks?: RegisterHooks }).registerHooks;

/**
 * Whether `path` is served compiled: handed to this thread, or compiled here by the thread that
 * plans (its workers are handed what it compiled, see {@link compiledUserModules}), or as an
 * earlier run compiled the same files (compiledCache.ts).
 */
function compile(path: string): Promise<boolean> {
  const url = pathToFileURL(path).href;
  if (compiled[url]) return Promise.resolve(true);
  if (!isMainThread || !registerHooks) return Promise.resolve(false);
  let done = compiling.get(path);
  if (!done) {
    done = import('./compiledCache.js')
      .then(async ({ cachedModules, cacheModules }) => {
        const cached = cachedModules(path);
        if (cached) return cached;
        const { compileUserModules } = await import('./compileUserModules.js');
        const modules = await compileUserModules(path);
        if (modules) cacheModules(path, modules);
        return modules;
      })
      .then((modules) => {
        if (modules) useCompiledModules(modules);
        return compiled[url] !== undefined;
      });
    compiling.set(path, done);
  }
  return done;
}

/**
 * Compiles the user's module at `path` (and its own imports) in this thread, once, and returns
 * every user module this thread has compiled, for the pool's workers to load without a
 * TypeScript loader ({@link useCompiledModules}); undefined when it cannot be compiled that way
 * (the workers then load it with tsx).
 *
 * @example
 * ```ts
 * const modules = await compiledUserModules('/home/me/jobs/wc.ts');
 * ```
 */
export async function compiledUserModules(path: string): Promise<CompiledModules | undefined> {
  if (FROM_SOURCES || !TYPESCRIPT.test(path)) return undefined;
  return (await compile(path)) ? { ...compiled } : undefined;
}

/**
 * Takes user modules compiled by another thread ({@link compiledUserModules}): this thread
 * imports them as they are, with no TypeScript loader.
 *
 * @example
 * ```ts
 * useCompiledModules(workerData.userModules);
 * ```
 */
export function useCompiledModules(modules: CompiledModules): void {
  Object.assign(compiled, modules);
  // Stack traces through a compiled module name its TypeScript lines, as with tsx.
  process.setSourceMapsEnabled(true);
}

/**
 * Sets up this thread's loader for a user's file, once per thread: TypeScript support (tsx)
 * only when the file is TypeScript, built stepmr being JavaScript (from the sources, the
 * thread already has it); then the hooks, registered last so they run before tsx's resolver
 * (which would apply a tsconfig's paths).
 */
async function prepare(path: string): Promise<void> {
  if (!FROM_SOURCES && TYPESCRIPT.test(path) && !(registerHooks && (await compile(path)))) {
    typescript ??= import('tsx/esm/api').then((tsx) => {
      tsx.register();
      // tsx's hooks now run first: the stepmr hooks go after them again.
      hooks = false;
    });
    await typescript;
  }
  if (!hooks) {
    hooks = true;
    if (registerHooks) registerHooks({ resolve: resolveHook, load: loadHook });
    else register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { target: OWN_API } });
  }
}

/**
 * Imports a user's module (a job, `stepmr.config.ts`) by absolute path: TypeScript (`.ts`,
 * `.mts`, `.tsx`) or JavaScript, from anywhere on disk. Its `import … from 'stepmr'` gets the
 * stepmr that runs it, so a job file outside any project with stepmr installed still resolves,
 * and a job never mixes two copies of the library (whose `StepmrError` classes would differ).
 * The loader is set up once per thread, on the first call; TypeScript support on the first
 * TypeScript file.
 *
 * @example
 * ```ts
 * const module = (await importUserModule('/home/me/jobs/wc.ts')) as { default?: unknown };
 * ```
 */
export async function importUserModule(path: string): Promise<unknown> {
  await prepare(path);
  return import(pathToFileURL(path).href);
}
