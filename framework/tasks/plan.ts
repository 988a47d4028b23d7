import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import { type JobPlan, type JobRef, workKeys } from './payloads.js';

const cache = new Map<string, JobPlan>();

/** Reads a job's `job.json` once per process (tasks of one job share a warm worker). */
export async function readPlan(store: Store, ref: JobRef): Promise<JobPlan> {
  const key = `${store.url}${workKeys.plan(ref)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let plan: JobPlan;
  try {
    plan = JSON.parse((await store.get(workKeys.plan(ref))).toString('utf8')) as JobPlan;
  } catch (cause) {
    throw new TaskInputError(
      `cannot read the plan of job ${ref.jobId} at ${key}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (plan.jobId !== ref.jobId) {
    throw new TaskInputError(`plan at ${key} belongs to job ${plan.jobId}, not ${ref.jobId}`);
  }
  cache.set(key, plan);
  return plan;
}
