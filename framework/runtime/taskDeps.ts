import { tmpdir } from 'node:os';
import { FileStore } from '../store/FileStore.js';
import type { Store } from '../store/Store.js';
import { openUri } from '../store/uri.js';
import type { TaskDeps } from '../tasks/deps.js';
import { loadJobModule } from './loadJob.js';

/** Environment variable mapping bucket names to local directories, set by the embedded runtime. */
export const LOCAL_BUCKETS_ENV = 'STEPMR_LOCAL_BUCKETS';

let cached: TaskDeps | undefined;

/**
 * The task dependencies of this process, built once from the environment: buckets named in
 * `STEPMR_LOCAL_BUCKETS` (JSON `{ "bucket": "/dir" }`) are local directories.
 *
 * @example
 * ```ts
 * const result = await mapTask(event, taskDeps());
 * ```
 */
export function taskDeps(): TaskDeps {
  if (cached) return cached;
  const local = JSON.parse(process.env[LOCAL_BUCKETS_ENV] ?? '{}') as Record<string, string>;
  const stores = new Map<string, Store>();
  cached = {
    bucket(name) {
      let store = stores.get(name);
      if (!store) {
        const dir = local[name];
        if (!dir) throw new Error(`bucket ${name} is not configured in this runtime (${LOCAL_BUCKETS_ENV})`);
        store = new FileStore(dir);
        stores.set(name, store);
      }
      return store;
    },
    open: openUri,
    loadJob: loadJobModule,
    tmpDir: process.env.STEPMR_TMP_DIR ?? tmpdir(),
    now: Date.now,
  };
  return cached;
}
