import type { Store } from '../store/Store.js';
import { deleteUnder } from '../store/transfer.js';
import type { TaskDeps } from './deps.js';
import { openJobWork, openOutput } from './jobWork.js';
import { EXTENSIONS } from './partName.js';
import type { CollectEvent, JobRef } from './payloads.js';
import { workKeys } from './payloads.js';

/**
 * The Abort step of a failed job: removes any part its commit had published before it failed,
 * then the job's working objects. Run again, it finds nothing left to do.
 *
 * @example
 * ```ts
 * await abortJob({ action: 'abort', ...ref }, deps);
 * ```
 */
export async function abortJob(
  event: Extract<CollectEvent, { action: 'abort' }>,
  deps: TaskDeps,
): Promise<{ aborted: true }> {
  const work = deps.bucket(event.bucket);
  await removeUnpublished(work, event, deps);
  await removeJobWork(work, event);
  return { aborted: true };
}

/**
 * Removes the parts a commit that then failed had already published: when the output holds
 * no `_SUCCESS`, the objects at its top level named as this job names parts
 * (`part-00003.jsonl`). An output with a `_SUCCESS` (an earlier result the job was to replace)
 * and anything named otherwise are left as they are. Nothing to do once the plan is gone (an
 * abort run twice).
 */
export async function removeUnpublished(work: Store, ref: JobRef, deps: TaskDeps): Promise<void> {
  if (!(await work.head(workKeys.plan(ref)))) return;
  const plan = (await openJobWork(ref, deps)).plan;
  const out = openOutput(plan, deps);
  if (await out.store.head(`${out.key}_SUCCESS`)) return;
  const part = new RegExp(`^part-\\d{5,}\\${EXTENSIONS[plan.outputFormat.kind]}$`);
  await deleteUnder(out.store, out.key, (key) => part.test(key.slice(out.key.length)));
}

/**
 * What `stepmr stop` does to a stopped job's working objects, since its Abort step does not run:
 * marks the job stopped (a commit still running then publishes nothing, taking back any part it
 * had moved) and removes the rest but its plan. Resolves with how many objects it removed.
 *
 * @example
 * ```ts
 * await stopJobWork(bucketStore(ref.bucket), ref);
 * ```
 */
export async function stopJobWork(work: Store, ref: JobRef): Promise<number> {
  const keep = new Set([workKeys.plan(ref), workKeys.stopped(ref)]);
  await work.put(workKeys.stopped(ref), `${JSON.stringify({ jobId: ref.jobId })}\n`);
  return deleteUnder(work, ref.prefix, (key) => !keep.has(key));
}

/**
 * Removes a job's working objects (everything under its prefix). Returns how many it removed
 * besides the plan. The plan goes first: a task of the job still running checks for it after each write, and
 * removes what it wrote once the plan is gone (see removeIfEnded), so nothing written after the
 * listing below is left behind.
 *
 * @example
 * ```ts
 * await removeJobWork(bucketStore(ref.bucket), ref);
 * ```
 */
export async function removeJobWork(work: Store, ref: JobRef): Promise<number> {
  await work.delete([workKeys.plan(ref)]);
  return deleteUnder(work, ref.prefix);
}
