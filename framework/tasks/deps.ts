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
   * Told what a running task has read so far: once as it starts, then at most every
   * {@link PROGRESS_EVERY_MS}. The embedded runtime shows it; deployed functions leave it out.
   */
  progress?(report: TaskProgress): void;
  /**
   * Makes a delegate task's calls (the call executor, with this runtime's credentials): one
   * result per item, whatever happened to the call. Absent where no delegate function runs.
   */
  readonly runCalls?: CallRunner;
}

/**
 * What a running task has read so far, for a progress display.
 *
 * @example
 * ```ts
 * const report: TaskProgress = { jobId: 'wc-1', stage: 'map', task: 0, bytes: 65_536, records: 1200 };
 * ```
 */
export interface TaskProgress {
  readonly jobId: string;
  readonly stage: 'map' | 'reduce';
  /** The task's first item: a split id, or a partition. */
  readonly task: number;
  /** Input bytes read (splits' bytes, or shuffle bytes) and records read. */
  readonly bytes: number;
  readonly records: number;
}

/**
 * How often a task reports its progress, at most, in ms.
 *
 * @example
 * ```ts
 * setInterval(render, PROGRESS_EVERY_MS); // no point redrawing more often
 * ```
 */
export const PROGRESS_EVERY_MS = 250;

/**
 * A reporter for one task: call it with running totals as often as convenient; it passes them
 * on to `deps.progress` at the task's start and then at most every {@link PROGRESS_EVERY_MS}.
 *
 * @example
 * ```ts
 * const report = progressOf(deps, { jobId, stage: 'map', task: 0 });
 * report(bytesSoFar, recordsSoFar);
 * ```
 */
export function progressOf(
  deps: TaskDeps,
  task: Pick<TaskProgress, 'jobId' | 'stage' | 'task'>,
): (bytes: number, records: number, force?: boolean) => void {
  const sink = deps.progress?.bind(deps);
  if (!sink) return () => {};
  let last = Number.NEGATIVE_INFINITY;
  return (bytes, records, force = false) => {
    const now = deps.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    sink({ ...task, bytes, records });
  };
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
