import { jobPlanSchema, parsePersisted } from '../contract/persisted.js';
import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import { type JobPlan, type JobRef, workKeys } from './payloads.js';

/**
 * Reads a job's `job.json`, checked against its schema: a corrupt or foreign plan fails naming
 * the object and the field. Read once per task, not cached per process: a task's requests then
 * do not depend on which warm worker runs it, so `stepmr estimate` counts them exactly (one GET
 * of a few KiB per task).
 */
export async function readPlan(store: Store, ref: JobRef): Promise<JobPlan> {
  const key = `${store.url}${workKeys.plan(ref)}`;
  let raw: unknown;
  try {
    raw = JSON.parse((await store.get(workKeys.plan(ref))).toString('utf8'));
  } catch (cause) {
    throw new TaskInputError(
      `cannot read the plan of job ${ref.jobId} at ${key}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const parsed = parsePersisted(jobPlanSchema, raw);
  if (!parsed.ok)
    throw new TaskInputError(`the plan of job ${ref.jobId} at ${key} is not a stepmr plan: ${parsed.error}`);
  const plan = parsed.value;
  if (plan.jobId !== ref.jobId) {
    throw new TaskInputError(`plan at ${key} belongs to job ${plan.jobId}, not ${ref.jobId}`);
  }
  return plan;
}
