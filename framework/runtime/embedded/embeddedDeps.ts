import { tmpdir } from 'node:os';
import { BroadcastChannel } from 'node:worker_threads';
import { FileStore } from '../../store/FileStore.js';
import type { Store } from '../../store/Store.js';
import { openUri } from '../../store/uri.js';
import type { TaskDeps } from '../../tasks/deps.js';
import { embeddedScope } from '../../tasks/scope.js';
import { callRunner } from '../callRunner.js';
import { loadJobModule } from '../loadJob.js';

/** Environment variable naming the embedded runtime's work bucket and its local directory. */
export const LOCAL_BUCKETS_ENV = 'STEPMR_LOCAL_BUCKETS';

/** Environment variable naming a job module the embedded runtime's workers load as they start. */
export const PRELOAD_JOB_ENV = 'STEPMR_PRELOAD_JOB';

/** Set to `1` where `s3://` inputs or outputs are used from the embedded runtime. */
export const USE_S3_ENV = 'STEPMR_S3';

/**
 * The channel on which the embedded runtime's workers report their tasks' progress.
 *
 * @example
 * ```ts
 * new BroadcastChannel(PROGRESS_CHANNEL).onmessage = (m) => console.log((m as MessageEvent).data);
 * ```
 */
export const PROGRESS_CHANNEL = 'stepmr:task-progress';

let channel: BroadcastChannel | undefined;

/** This thread's end of {@link PROGRESS_CHANNEL}, which never keeps the thread alive. */
function progressChannel(): BroadcastChannel {
  if (!channel) {
    channel = new BroadcastChannel(PROGRESS_CHANNEL);
    channel.unref();
  }
  return channel;
}

let cached: Promise<TaskDeps> | undefined;

/**
 * The task dependencies of the embedded runtime's workers, built once from the environment the
 * runtime gives them: the work bucket named in `STEPMR_LOCAL_BUCKETS` (JSON
 * `{ "bucket": "/dir" }`, exactly one), job modules loaded by path, and inputs and outputs
 * wherever the user points them (`file://`, and `s3://` with `STEPMR_S3=1`). Deployed
 * functions never use these: they take theirs from `createHandlers`.
 *
 * @example
 * ```ts
 * const result = await mapTask(event, await embeddedDeps());
 * ```
 */
export function embeddedDeps(): Promise<TaskDeps> {
  cached ??= build();
  return cached;
}

async function build(): Promise<TaskDeps> {
  const local = JSON.parse(process.env[LOCAL_BUCKETS_ENV] ?? '{}') as Record<string, string>;
  const [bucket, dir, ...more] = Object.entries(local).flat();
  if (!bucket || !dir || more.length > 0) {
    throw new Error(`${LOCAL_BUCKETS_ENV} must name the one work bucket of the embedded runtime`);
  }
  if (process.env[USE_S3_ENV] === '1') (await import('../aws/s3.js')).useS3();
  const store: Store = new FileStore(dir);
  return {
    scope: embeddedScope(bucket),
    bucket(name) {
      if (name !== bucket)
        throw new Error(`bucket ${name} is not configured in this runtime (${LOCAL_BUCKETS_ENV})`);
      return store;
    },
    open: openUri,
    loadJob: loadJobModule,
    tmpDir: process.env.STEPMR_TMP_DIR ?? tmpdir(),
    now: Date.now,
    progress: (report) => progressChannel().postMessage(report),
    runCalls: callRunner(),
  };
}
