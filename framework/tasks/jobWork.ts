import type { Job } from '../job/defineJob.js';
import type { Store } from '../store/Store.js';
import type { TaskDeps } from './deps.js';
import { JobStoppedError } from './errors.js';
import { type JobPlan, type JobRef, workKeys } from './payloads.js';
import { readPlan } from './plan.js';
import { checkInput, checkJob, checkJobRef, checkOutput, checkWorkPrefix, type TaskScope } from './scope.js';

/** A job's working objects as a task sees them, after every check. */
export interface JobWork {
  readonly ref: JobRef;
  readonly store: Store;
  readonly plan: JobPlan;
  readonly scope: TaskScope;
}

/**
 * Opens a job's working objects for a task: checks the job reference of the event against the
 * runtime's scope (the bucket, and the prefix `<work root><job id>/`) before anything is read,
 * then reads `job.json` and checks what it names: the job, the inputs, the output and a
 * redriven job's prefix.
 *
 * @example
 * ```ts
 * const { store, plan } = await openJobWork(event.BatchInput, deps);
 * ```
 */
export async function openJobWork(ref: JobRef, deps: TaskDeps): Promise<JobWork> {
  checkJobRef(deps.scope, ref);
  const store = deps.bucket(ref.bucket);
  const plan = await readPlan(store, ref);
  checkPlan(deps.scope, plan);
  return { ref, store, plan, scope: deps.scope };
}

/** Checks what a plan names against the scope. */
export function checkPlan(scope: TaskScope, plan: JobPlan): void {
  checkJob(scope, plan.job.module);
  for (const input of plan.inputs) checkInput(scope, input);
  checkOutput(scope, outputPrefix(plan));
  if (plan.redrive) checkWorkPrefix(scope, plan.redrive.prefix, plan.redrive.jobId);
}

/** The plan's output location as a prefix ending in `/`. */
export function outputPrefix(plan: JobPlan): string {
  return plan.output.endsWith('/') ? plan.output : `${plan.output}/`;
}

/**
 * Loads the job a plan names (checked by {@link openJobWork}).
 *
 * @example
 * ```ts
 * const job = await loadPlannedJob(work, deps);
 * ```
 */
export function loadPlannedJob(work: JobWork, deps: TaskDeps): Promise<Job> {
  checkJob(deps.scope, work.plan.job.module);
  return deps.loadJob(work.plan.job.module);
}

/**
 * Called by a task after it wrote `keys`: a job can end while its task still runs (a failed
 * Map Run's other tasks go on, on Lambda as here, while the Abort step cleans up; a stop). The
 * Abort removes the plan before anything else, and `stepmr stop` marks the job, so a task that
 * then finds the plan gone or the mark there removes what it wrote and fails; one that finds
 * neither wrote before the cleanup listed the job's objects, which then removes them.
 *
 * @example
 * ```ts
 * await work.store.put(key, body);
 * await removeIfEnded(work, [key]);
 * ```
 */
export async function removeIfEnded(work: JobWork, keys: readonly string[]): Promise<void> {
  const [plan, stopped] = await Promise.all([
    work.store.head(workKeys.plan(work.ref)),
    work.store.head(workKeys.stopped(work.ref)),
  ]);
  if (plan && !stopped) return;
  await work.store.delete(keys);
  throw new JobStoppedError(
    `job ${work.ref.jobId} ended (aborted or stopped) while this task ran; the task removed what it wrote`,
  );
}

/**
 * A job's output location (checked by {@link openJobWork}), as a store and the prefix of its
 * objects.
 *
 * @example
 * ```ts
 * const out = openOutput(plan, deps);
 * ```
 */
export function openOutput(plan: JobPlan, deps: TaskDeps): { store: Store; key: string } {
  return deps.open(outputPrefix(plan));
}
