import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledModules } from './compileUserModules.js';
import { userCacheFolder } from './userCache.js';

/** What a cache entry holds: the modules, and the content of every file they were made from. */
interface Entry {
  readonly key: string;
  /** Absolute path → SHA-256 of its content, or null for a file that did not exist. */
  readonly files: Record<string, string | null>;
  readonly modules: CompiledModules;
}

/** The files besides the sources that change how esbuild compiles them, looked up beside each. */
const SETTINGS = ['tsconfig.json', 'jsconfig.json', 'package.json'];

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hashOf(file: string): string | null {
  try {
    return hash(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The TypeScript a compiled module was made from, as its inline source map keeps it. */
function compiledFrom(source: string): string | undefined {
  const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(source);
  if (!inline?.[1]) return undefined;
  const map = JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')) as { sourcesContent?: unknown[] };
  const text = map.sourcesContent?.[0];
  return typeof text === 'string' ? text : undefined;
}

/** The key of a compile of `entry`: the entry, and the versions of esbuild and of this stepmr. */
function keyOf(entry: string): string {
  const require = createRequire(import.meta.url);
  const esbuild = (require('esbuild/package.json') as { version: string }).version;
  const own = fileURLToPath(new URL('.', import.meta.url));
  return createHash('sha256').update(`${entry}\0${esbuild}\0${own}\0${process.version}`).digest('hex');
}

/**
 * The modules compiled from `entry` by an earlier run, if every file they were made from (and
 * every tsconfig.json, jsconfig.json and package.json beside them) is as it was then.
 *
 * @example
 * ```ts
 * const modules = cachedModules('/home/me/jobs/wc.ts') ?? (await compileUserModules('/home/me/jobs/wc.ts'));
 * ```
 */
export function cachedModules(entry: string): CompiledModules | undefined {
  const dir = userCacheFolder('compiled');
  if (!dir) return undefined;
  const key = keyOf(entry);
  try {
    const file = join(dir, `${key}.json`);
    const info = lstatSync(file);
    if (!info.isFile() || info.uid !== process.getuid?.()) return undefined;
    const cached = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    if (cached.key !== key) return undefined;
    for (const [path, hash] of Object.entries(cached.files)) if (hashOf(path) !== hash) return undefined;
    return cached.modules;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the modules compiled from `entry` for later runs, with the hashes of the TypeScript
 * they were made from (read back from their source maps) and of the settings files beside
 * them. Best effort: a cache that cannot be written is no error.
 *
 * @example
 * ```ts
 * cacheModules('/home/me/jobs/wc.ts', modules);
 * ```
 */
export function cacheModules(entry: string, modules: CompiledModules): void {
  const dir = userCacheFolder('compiled');
  if (!dir) return;
  const key = keyOf(entry);
  const files: Record<string, string | null> = {};
  for (const [url, module] of Object.entries(modules)) {
    const source = fileURLToPath(url);
    // What was compiled, not what the file holds now (it may have been saved since).
    const text = compiledFrom(module.source);
    if (text === undefined) return;
    files[source] = hash(text);
    for (let d = dirname(source); ; d = dirname(d)) {
      for (const name of SETTINGS) files[join(d, name)] ??= hashOf(join(d, name));
      if (dirname(d) === d) break;
    }
  }
  try {
    const temp = join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(temp, JSON.stringify({ key, files, modules } satisfies Entry), { mode: 0o600 });
    renameSync(temp, join(dir, `${key}.json`));
  } catch {}
}
