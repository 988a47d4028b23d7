import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isJob, type Job } from '../job/defineJob.js';
import { JobModuleError } from './errors.js';
import { importUserModule } from './userModules.js';

const loaded = new Map<string, Promise<Job>>();

/**
 * Finds a job module from what a user typed: a file (`jobs/wc.ts`) or a folder holding
 * `job.ts` / `index.ts` (`examples/wordcount`). Returns the module's absolute path.
 *
 * @example
 * ```ts
 * const path = await resolveJobModule('examples/wordcount'); // …/examples/wordcount/job.ts
 * ```
 */
export async function resolveJobModule(spec: string): Promise<string> {
  const path = resolve(spec);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return path;
  if (info?.isDirectory()) {
    for (const name of ['job.ts', 'index.ts', 'job.js', 'index.js']) {
      const candidate = join(path, name);
      if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
    }
    throw new JobModuleError(
      `${path} is a folder without job.ts or index.ts: point at the job's module file`,
    );
  }
  throw new JobModuleError(`job module ${spec} does not exist (looked for ${path})`);
}

/**
 * Imports a job module by absolute path and returns its default export, which must be made by
 * `defineJob`. Each module is imported once per process.
 *
 * @example
 * ```ts
 * const job = await loadJobModule('/abs/examples/wordcount/job.ts');
 * ```
 */
export function loadJobModule(path: string): Promise<Job> {
  let job = loaded.get(path);
  if (!job) {
    job = importJob(path);
    loaded.set(path, job);
  }
  return job;
}

async function importJob(path: string): Promise<Job> {
  let module: { default?: unknown };
  try {
    module = (await importUserModule(path)) as { default?: unknown };
  } catch (cause) {
    throw new JobModuleError(`cannot load job module ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!isJob(module.default)) {
    throw new JobModuleError(
      `${path} has no default job: end it with \`export default defineJob({ input, map, reduce })\` (import { defineJob } from 'stepmr')`,
    );
  }
  const job = module.default;
  if (typeof job.map !== 'function') throw new JobModuleError(`the job in ${path} has no map function`);
  return job;
}
