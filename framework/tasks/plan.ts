import { jobPlanSchema, parsePersisted } from '../contract/persisted.js';
import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import { type JobPlan, type JobRef, workKeys } from './payloads.js';

const cache = new Map<string, JobPlan>();

/**
 * Reads a job's `job.json` once per process (tasks of one job share a warm worker), checked
 * against its schema: a corrupt or foreign plan fails naming the object and the field.
 */
export async function readPlan(store: Store, ref: JobRef): Promise<JobPlan> {
  const key = `${store.url}${workKeys.plan(ref)}`;
  const cached = cache.get(key);
  if (cached) return cached;
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
  cache.set(key, plan);
  return plan;
}
