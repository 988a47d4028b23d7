import type { CallPolicy, DelegateResult } from '../delegate/types.js';
import type { Job } from '../job/defineJob.js';
import type { Store } from '../store/Store.js';
import type { TaskScope } from './scope.js';

/**
 * What tasks need from their surroundings. The embedded runtime gives FileStores and imports
 * job modules by path; the deployed functions give S3Stores of the stack's bucket and a bundled
 * jobs registry. `scope` says what the tasks may touch; every reference they read is checked
 * against it.
 */
export interface TaskDeps {
  /** What this runtime's tasks may touch. */
  readonly scope: TaskScope;
  /** The Store behind a bucket name used in a `JobRef`. */
  bucket(name: string): Store;
  /** The Store and key of an input or output URI (`file://…`, `s3://…`). */
  open(uri: string): { store: Store; key: string };
  /** Loads a job by the reference the planner wrote into `job.json`. */
  loadJob(module: string): Promise<Job>;
  /** A local directory for spills and staging files. */
  readonly tmpDir: string;
  now(): number;
  /**
   * Makes a delegate task's calls (the call executor, with this runtime's credentials): one
   * result per item, whatever happened to the call. Absent where no delegate function runs.
   */
  readonly runCalls?: CallRunner;
}

/**
 * Makes a batch of calls under a policy: exactly one result per item, failures included, and
 * how many answers were throttling (429 or 503), retried ones included.
 *
 * @example
 * ```ts
 * const { results, throttles } = await deps.runCalls(items, { jobId, concurrency: 32 });
 * ```
 */
export type CallRunner = (
  items: readonly { readonly index: number; readonly task: unknown }[],
  /** `jobId` names every call's `Idempotency-Key`, `<jobId>-<index>`. */
  options: CallPolicy & { readonly jobId: string },
) => Promise<{ readonly results: readonly DelegateResult[]; readonly throttles: number }>;
