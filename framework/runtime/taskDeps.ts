import { tmpdir } from 'node:os';
import { REGISTRY_REF, type StepmrConfig } from '../deploy/config.js';
import type { Job } from '../job/defineJob.js';
import { FileStore } from '../store/FileStore.js';
import type { Store } from '../store/Store.js';
import { openUri } from '../store/uri.js';
import type { TaskDeps } from '../tasks/deps.js';
import { JobModuleError } from './errors.js';
import { loadJobModule } from './loadJob.js';

/** Environment variable mapping bucket names to local directories, set by the embedded runtime. */
export const LOCAL_BUCKETS_ENV = 'STEPMR_LOCAL_BUCKETS';

/** Set to `1` where local buckets are configured and S3 is needed too (`s3://` inputs). */
export const USE_S3_ENV = 'STEPMR_S3';

/** Loads the project's `stepmr.config.ts` (the functions import it, so it is bundled with them). */
export type ConfigLoader = () => Promise<StepmrConfig>;

let cached: Promise<TaskDeps> | undefined;

/**
 * Loads a job by the reference in `job.json`: `job:<name>` is a job of the registry in
 * `stepmr.config.ts` (how deployed functions find jobs), anything else a module path (the
 * embedded runtime's).
 */
async function loadJob(reference: string, config: ConfigLoader): Promise<Job> {
  if (!reference.startsWith(REGISTRY_REF)) return loadJobModule(reference);
  const name = reference.slice(REGISTRY_REF.length);
  const { jobs } = await config();
  const job = Object.hasOwn(jobs, name) ? jobs[name] : undefined;
  if (!job) {
    throw new JobModuleError(
      `job ${JSON.stringify(name)} is not in this deployment's stepmr.config.ts (it has ${Object.keys(jobs).join(', ') || 'no jobs'}); register it there and deploy again`,
    );
  }
  return job;
}

/**
 * The task dependencies of this process, built once from the environment: buckets named in
 * `STEPMR_LOCAL_BUCKETS` (JSON `{ "bucket": "/dir" }`) are local directories; any other bucket
 * is an S3 bucket reached with the standard AWS configuration, and `s3://` URIs open as
 * S3Stores. The S3 client is loaded only where S3 is used (no local buckets, or `STEPMR_S3=1`),
 * so the embedded runtime's workers start without it.
 *
 * @example
 * ```ts
 * const result = await mapTask(event, await taskDeps(() => import('../stepmr.config.js').then((m) => m.default)));
 * ```
 */
export function taskDeps(config: ConfigLoader): Promise<TaskDeps> {
  cached ??= buildDeps(config);
  return cached;
}

async function buildDeps(config: ConfigLoader): Promise<TaskDeps> {
  const localEnv = process.env[LOCAL_BUCKETS_ENV];
  const local = JSON.parse(localEnv ?? '{}') as Record<string, string>;
  const s3 =
    localEnv === undefined || process.env[USE_S3_ENV] === '1' ? await import('./aws/s3.js') : undefined;
  s3?.useS3();
  const stores = new Map<string, Store>();
  return {
    bucket(name) {
      let store = stores.get(name);
      if (!store) {
        const dir = local[name];
        if (dir) store = new FileStore(dir);
        else if (s3) store = s3.bucketStore(name);
        else throw new Error(`bucket ${name} is not configured in this runtime (${LOCAL_BUCKETS_ENV})`);
        stores.set(name, store);
      }
      return store;
    },
    open: openUri,
    loadJob: (reference) => loadJob(reference, config),
    tmpDir: process.env.STEPMR_TMP_DIR ?? tmpdir(),
    now: Date.now,
  };
}
