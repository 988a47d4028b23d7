import { StepmrError } from '../errors.js';
import type { Split } from '../job/types.js';
import type { Store } from '../store/Store.js';
import { openUri } from '../store/uri.js';
import { requireKept } from '../tasks/kept.js';
import { readSuccess, type SuccessManifest } from '../tasks/manifest.js';
import { type JobPlan, type JobRef, workKeys } from '../tasks/payloads.js';
import { readPlan } from '../tasks/plan.js';
import { embeddedScope } from '../tasks/scope.js';
import { newJobId } from './planJob.js';

/** A job cannot be redriven: its result, or what it kept for a redrive, is not there or has changed. */
export class RedriveError extends StepmrError {
  override readonly name = 'RedriveError';
}

/** What a redrive needs: the result to complete, and where the jobs' working objects are. */
export interface RedriveRequest {
  /** The output location of the job to redrive (a directory URI ending in `/`). */
  readonly output: string;
  /** The store and bucket name of the jobs' working objects, and their common prefix. */
  readonly work: { readonly store: Store; readonly bucket: string; readonly prefix?: string };
  readonly jobId?: string;
  readonly now?: () => number;
}

/** A planned redrive: a new job over the failed splits of the one it completes. */
export interface PlannedRedrive {
  readonly ref: JobRef;
  readonly plan: JobPlan;
  /** The failed splits, which the new job's map stage runs. */
  readonly splits: readonly Split[];
  /** Splits per map task: the failed tasks' own, so that each runs as it did. */
  readonly splitsPerTask: number;
  /** The `_SUCCESS` of the job being redriven. */
  readonly redriven: SuccessManifest;
}

async function readManifest(output: string): Promise<SuccessManifest> {
  const manifest = await readSuccess(output);
  if (manifest) return manifest;
  throw new RedriveError(
    `${output} holds no _SUCCESS: redrive completes a job that succeeded with tolerated failures (--tolerate); a job that failed published nothing, so run it again`,
  );
}

/** Refuses a redrive whose failed splits' input objects have changed size since the job read them. */
async function checkInputs(splits: readonly Split[]): Promise<void> {
  const sizes = new Map(splits.map((s) => [s.uri, s.size]));
  for (const [uri, size] of sizes) {
    const { store, key } = openUri(uri);
    const info = await store.head(key);
    if (info?.size !== size) {
      throw new RedriveError(
        `input ${uri} is ${info ? `${info.size} bytes` : 'gone'}, it was ${size} bytes when the job read it: a redrive would not match a run over the new input; run the job again with --overwrite`,
      );
    }
  }
}

/**
 * Plans the redrive of a job that succeeded with tolerated map failures, or a delegate job
 * with failed calls (within `--max-failed`; its redrive runs every batch of calls again,
 * calling only those that failed): reads its `_SUCCESS`
 * and `kept.json`, checks that the failed splits' input is as it was, and writes a new job's
 * `job.json` (the same job, options and output, marked as a redrive) and `splits.jsonl` (the
 * failed splits only). Run through the same state machine, the new job maps those splits, then
 * shuffles, reduces and commits over them and the earlier job's kept map results, replacing
 * its output with the result a clean run would have published.
 *
 * @example
 * ```ts
 * const redrive = await planRedrive({ output: 's3://data/out/wc/', work: { store, bucket: 'data', prefix: 'work/' } });
 * ```
 */
export async function planRedrive(request: RedriveRequest): Promise<PlannedRedrive> {
  const output = request.output.endsWith('/') ? request.output : `${request.output}/`;
  const redriven = await readManifest(output);
  const failedCalls = redriven.delegate?.failed ?? 0;
  if (redriven.failedSplits.length === 0 && failedCalls === 0) {
    throw new RedriveError(
      `job ${redriven.jobId} at ${output} has no failed splits${redriven.delegate ? ' or calls' : ''}: its result is complete, there is nothing to redrive`,
    );
  }
  const { store, bucket } = request.work;
  const earlier = { jobId: redriven.jobId, bucket, prefix: `${request.work.prefix ?? ''}${redriven.jobId}/` };
  const kept = await requireKept(store, earlier, embeddedScope(bucket, request.work.prefix)).catch(
    (error: Error) => {
      throw new RedriveError(`cannot redrive job ${redriven.jobId}: ${error.message}; run the job again`, {
        cause: error,
      });
    },
  );
  const earlierPlan = await readPlan(store, earlier);
  const published = earlierPlan.output.endsWith('/') ? earlierPlan.output : `${earlierPlan.output}/`;
  if (published !== output) {
    throw new RedriveError(
      `job ${redriven.jobId} published to ${published}, not ${output}: was its output moved? Redrive it where it was published, or run the job again`,
    );
  }
  // A delegate job's redrive maps nothing: it runs the job's calls again, those that failed.
  const delegate =
    earlierPlan.delegate && failedCalls > 0
      ? { ...earlierPlan.delegate, redrive: true, keysOf: earlierPlan.delegate.keysOf ?? earlierPlan.jobId }
      : undefined;
  const splits = delegate ? [] : kept.failed.flat().sort((a, b) => a.id - b.id);
  await checkInputs(splits);
  const now = request.now?.() ?? Date.now();
  const jobId = request.jobId ?? newJobId(earlierPlan.job.name, now);
  const ref: JobRef = { jobId, bucket, prefix: `${request.work.prefix ?? ''}${jobId}/` };
  const plan: JobPlan = {
    ...earlierPlan,
    jobId,
    createdAt: new Date(now).toISOString(),
    overwrite: true,
    redrive: { jobId: earlier.jobId, prefix: earlier.prefix },
    ...(delegate ? { delegate } : {}),
  };
  await store.put(workKeys.plan(ref), `${JSON.stringify(plan, null, 2)}\n`);
  await store.put(workKeys.splits(ref), splits.map((s) => `${JSON.stringify(s)}\n`).join(''));
  // The failed batches are whole batches of the job's plan (all full but perhaps the last), so
  // batching their splits by the longest one's size runs each as it ran: same part numbers.
  const splitsPerTask = Math.max(1, ...kept.failed.map((batch) => batch.length));
  return { ref, plan, splits, splitsPerTask, redriven };
}
