import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageType } from './packageType.js';

/** One of a user's TypeScript modules, compiled to JavaScript. */
export interface CompiledModule {
  /** The module as an ES module, its source map (to the TypeScript lines) inline. */
  readonly source: string;
  /** Each specifier of an import of another of the user's files, and that file's URL. */
  readonly imports: Readonly<Record<string, string>>;
}

/** A user's TypeScript modules by their files' URLs (`file:///…/job.ts`). */
export type CompiledModules = Readonly<Record<string, CompiledModule>>;

/** A file that needs compiling; `.cts` is CommonJS, left to tsx. */
const TYPESCRIPT = /\.(ts|mts|tsx)$/;

/**
 * Compiles a user's TypeScript module and the user's own files it imports (not packages, not
 * `stepmr`) with esbuild, each to an ES module of its own, so that a loader can serve them
 * under their own URLs: `import.meta.url`, relative imports and stack traces (through the
 * inline source maps) stay those of the TypeScript files. Done once, in the thread that plans
 * a run; the pool's workers are handed the result and need no TypeScript loader of their own.
 *
 * Resolves to undefined when the modules are not plain ES modules this way (CommonJS, a
 * `require`, a file esbuild cannot read): the caller then loads them with tsx, as before,
 * which also reports a module that does not compile.
 *
 * @example
 * ```ts
 * const modules = await compileUserModules('/home/me/jobs/wc.ts');
 * modules?.['file:///home/me/jobs/wc.ts']?.source; // 'import { defineJob } from "stepmr"; …'
 * ```
 */
export async function compileUserModules(entry: string): Promise<CompiledModules | undefined> {
  const { build } = await import('esbuild');
  const common = {
    format: 'esm',
    platform: 'node',
    target: 'node22',
    logLevel: 'silent',
    absWorkingDir: process.cwd(),
  } as const;
  let graph: Awaited<ReturnType<typeof build>>;
  try {
    graph = await build({
      ...common,
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      packages: 'external',
      plugins: [
        {
          name: 'stepmr',
          setup(on) {
            // The `stepmr` that runs the job, whatever a tsconfig or node_modules says.
            on.onResolve({ filter: /^stepmr$/ }, () => ({ path: 'stepmr', external: true }));
          },
        },
      ],
    });
  } catch {
    return undefined;
  }
  const files: string[] = [];
  const imports = new Map<string, Record<string, string>>();
  if (!graph.metafile) return undefined;
  for (const [input, info] of Object.entries(graph.metafile.inputs)) {
    const file = resolve(common.absWorkingDir, input);
    if (input.includes(':') || file.split('/').includes('node_modules')) return undefined;
    if (info.format === 'cjs' || info.imports.some((i) => i.kind === 'require-call')) return undefined;
    if (!TYPESCRIPT.test(file)) continue;
    if (packageType(file) === 'commonjs') return undefined;
    files.push(file);
    const own: Record<string, string> = {};
    for (const i of info.imports) {
      if (!i.external && i.original)
        own[i.original] = pathToFileURL(resolve(common.absWorkingDir, i.path)).href;
    }
    imports.set(file, own);
  }
  let compiled: Awaited<ReturnType<typeof build>>;
  try {
    // Each file on its own, beside itself (as `<name>.js`, never written), so that its source
    // map names the TypeScript file relative to the module's own URL.
    compiled = await build({
      ...common,
      entryPoints: files,
      bundle: false,
      write: false,
      metafile: true,
      sourcemap: 'inline',
      outdir: '/',
      outbase: '/',
      outExtension: { '.js': '.stepmr.js' },
    });
  } catch {
    return undefined;
  }
  if (!compiled.metafile || !compiled.outputFiles) return undefined;
  const modules: Record<string, CompiledModule> = {};
  const texts = new Map(compiled.outputFiles.map((f) => [f.path, f.text]));
  for (const [output, info] of Object.entries(compiled.metafile.outputs)) {
    if (!info.entryPoint) continue;
    const file = resolve(common.absWorkingDir, info.entryPoint);
    const source = texts.get(resolve(common.absWorkingDir, output));
    if (source === undefined) return undefined;
    modules[pathToFileURL(file).href] = { source, imports: imports.get(file) ?? {} };
  }
  return files.every((f) => modules[pathToFileURL(f).href]) ? modules : undefined;
}
