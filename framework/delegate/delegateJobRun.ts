import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delegateResultSchema } from '../contract/delegate.js';
import { BUCKET_LAYOUT } from '../deploy/layout.js';
import type { RunOptions } from '../job/options.js';
import type { RunSummary } from '../runtime/Driver.js';
import { FileStore } from '../store/FileStore.js';
import type { Store } from '../store/Store.js';
import { DELEGATE_JOB_NAME, DELEGATE_JOB_REF } from './delegateJob.js';
import { DelegateOutputError } from './errors.js';
import type { DelegateOptions } from './runCalls.js';
import type { DelegateResult, DelegateTask } from './types.js';

/** The built-in job's module, as the embedded runtime loads it by path. */
const JOB_MODULE = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './delegateJob.ts' : './delegateJob.js', import.meta.url),
);

/** The tasks as JSON Lines, one task a line, in input order. */
function tasksText(tasks: readonly DelegateTask[]): string {
  return tasks.map((task) => `${JSON.stringify(task)}\n`).join('');
}

/** The run options of the built-in job from `delegate`'s: every failed call is a result. */
function jobOptions(options: DelegateOptions): RunOptions {
  return {
    ...(options.timeoutMs !== undefined ? { callTimeoutMs: options.timeoutMs } : {}),
    ...(options.retries !== undefined ? { callRetries: options.retries } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.ratePerSecond !== undefined ? { ratePerSecond: options.ratePerSecond } : {}),
    ...(options.callsPerTask !== undefined ? { callsPerTask: options.callsPerTask } : {}),
    maxFailed: { percent: 100 },
  };
}

/**
 * The results a committed run of the built-in job published under `prefix` of `store`, in
 * input order, checked: one result per task, each index once.
 */
async function readResults(
  store: Store,
  prefix: string,
  summary: RunSummary,
  count: number,
): Promise<DelegateResult[]> {
  const results = new Array<DelegateResult | undefined>(count);
  for (const part of summary.manifest.parts) {
    const where = `${store.url}${prefix}${part.name}`;
    const text = (await store.get(`${prefix}${part.name}`)).toString('utf8');
    for (const [n, line] of text.split('\n').entries()) {
      if (line === '') continue;
      // The output holds `error: null` for a call that succeeded; the contract leaves it out.
      const { error, ...rest } = JSON.parse(line) as { error?: unknown };
      const parsed = delegateResultSchema.safeParse(error === null ? rest : { error, ...rest });
      if (!parsed.success || parsed.data.index >= count || results[parsed.data.index]) {
        throw new DelegateOutputError(
          `${where} line ${n + 1} is not one result of the ${count} tasks; was the output changed? Run delegate again`,
        );
      }
      results[parsed.data.index] = parsed.data;
    }
  }
  const missing = Array.from(results).indexOf(undefined);
  if (missing >= 0 || results.length !== count) {
    throw new DelegateOutputError(
      `job ${summary.jobId} published no result for task ${missing} at ${summary.output}; run delegate again`,
    );
  }
  return results as DelegateResult[];
}

/**
 * Runs the tasks as the built-in delegate job in the embedded engine: the tasks are written to a
 * temporary folder as JSON Lines, the job runs through the one driver, and its ordered result
 * is read back; the folder is removed after.
 *
 * @example
 * ```ts
 * const results = await delegateEmbedded(tasks, { jobId: 'score-1' }, 'score-1');
 * ```
 */
export async function delegateEmbedded(
  tasks: readonly DelegateTask[],
  options: DelegateOptions,
  jobId: string,
): Promise<DelegateResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'stepmr-delegate-'));
  try {
    const input = join(dir, 'tasks.jsonl');
    await writeFile(input, tasksText(tasks));
    const output = join(dir, 'out');
    const { runEmbedded } = await import('../runtime/embedded/runEmbedded.js');
    const summary = await runEmbedded({
      ...jobOptions(options),
      job: JOB_MODULE,
      inputs: [input],
      output,
      jobId,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    return await readResults(new FileStore(output), '', summary, tasks.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the tasks as the built-in delegate job on the deployed stack (`options.stack`, else
 * `$STEPMR_STACK`, else `stepmr-dev`, found as `stepmr submit` finds it): the tasks go to
 * `s3://<data bucket>/work/<job id>/tasks.jsonl` beside the job's plan (work/ expires), the
 * stack's delegate function makes the calls (only those `stepmr.config.ts` `delegates` allows),
 * and the ordered result, published under `out/stepmr-delegate/<job id>/`, is read back.
 *
 * @example
 * ```ts
 * const results = await delegateOnStack(tasks, { stack: 'stepmr-prod' }, 'score-1');
 * ```
 */
export async function delegateOnStack(
  tasks: readonly DelegateTask[],
  options: DelegateOptions,
  jobId: string,
): Promise<DelegateResult[]> {
  const [{ cloudFormationClient, sfnClient }, { findStack, stackName }, { cloudBackend }, { bucketStore }] =
    await Promise.all([
      import('../runtime/aws/clients.js'),
      import('../runtime/aws/findStack.js'),
      import('../runtime/aws/cloudBackend.js'),
      import('../runtime/aws/s3.js'),
    ]);
  const { Driver } = await import('../runtime/Driver.js');
  const { default: job } = await import('./delegateJob.js');
  const stack = await findStack(cloudFormationClient(), stackName(options.stack));
  const store = bucketStore(stack.bucket);
  const inputKey = `${BUCKET_LAYOUT.work}${jobId}/tasks.jsonl`;
  await store.put(inputKey, tasksText(tasks));
  const outputKey = `${BUCKET_LAYOUT.output}stepmr-delegate/${jobId}/`;
  const driver = new Driver(cloudBackend(stack, sfnClient()));
  const summary = await driver.run(
    {
      ...jobOptions(options),
      job,
      name: DELEGATE_JOB_NAME,
      module: DELEGATE_JOB_REF,
      inputs: [`s3://${stack.bucket}/${inputKey}`],
      output: `s3://${stack.bucket}/${outputKey}`,
      jobId,
    },
    options.signal ? { cancel: options.signal } : {},
  );
  return readResults(store, outputKey, summary, tasks.length);
}
