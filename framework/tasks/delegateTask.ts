import { readFile } from 'node:fs/promises';
import type { DelegateEvent } from '../contract/events.js';
import type { DelegateResult } from '../delegate/types.js';
import { PartWriter } from '../io/index.js';
import type { Key } from '../job/types.js';
import { MapOutputBuffer } from '../shuffle/index.js';
import { delegateStats, readCallResults, resultRecord, taskPolicy } from './callResults.js';
import type { TaskDeps } from './deps.js';
import { ForbiddenTaskInputError, TaskInputError, UserCodeError } from './errors.js';
import { type JobWork, loadPlannedJob, openJobWork, removeIfEnded } from './jobWork.js';
import type { MapTaskResult } from './payloads.js';
import { workKeys } from './payloads.js';
import { timingOf } from './taskClock.js';

/**
 * Runs one batch of a delegate stage: makes its calls under the job's policy (each task's
 * limits are the job's divided among the tasks running at once), writes their results (kept
 * for a redrive), then either stages them as a part in input order or runs the job's `map`
 * over them, as a map task does over records. Every key it writes derives from the batch's
 * first index, so a retried batch overwrites its own output. In a redrive, only the calls
 * that failed in the redriven job are made again; the others' results are taken as they were.
 *
 * @example
 * ```ts
 * const result = await delegateTask({ BatchInput: ref, Items: [{ index: 0, task }] }, deps);
 * console.log(result.delegate?.failed);
 * ```
 */
export async function delegateTask(event: DelegateEvent, deps: TaskDeps): Promise<MapTaskResult> {
  const started = deps.now();
  const ref = event.BatchInput;
  const opened = await openJobWork(ref, deps);
  const { plan, store: work } = opened;
  const stage = plan.delegate;
  if (!stage) throw new TaskInputError(`job ${plan.job.name} has no delegate stage, but a delegate task ran`);
  const items = checkItems(event, deps);
  const first = items[0]?.index ?? 0;
  const runCalls = deps.runCalls;
  if (!runCalls)
    throw new TaskInputError('this runtime makes no delegated calls: no call executor is configured');
  const earlier =
    stage.redrive && plan.redrive
      ? await readCallResults(work, workKeys.callResults(plan.redrive, first), items)
      : new Map<number, DelegateResult>();
  const toCall = items.filter((item) => earlier.get(item.index)?.ok !== true);
  // A redrive's calls keep the keys of the job they redo, so a service can tell them apart.
  const keys = { jobId: stage.keysOf ?? plan.jobId };
  const made =
    toCall.length > 0
      ? await runCalls(toCall, { ...taskPolicy(stage), ...keys })
      : { results: [], throttles: 0 };
  const byIndex = new Map(earlier);
  for (const result of made.results) byIndex.set(result.index, result);
  const results = items.map((item) => {
    const result = byIndex.get(item.index);
    if (!result) throw new TaskInputError(`the call executor gave no result for call ${item.index}`);
    return result;
  });
  const resultsKey = workKeys.callResults(ref, first);
  await work.put(resultsKey, results.map((r) => `${JSON.stringify(resultRecord(r))}\n`).join(''));
  const output = await writeOutput(opened, deps, results, first, stage.output);
  await removeIfEnded(opened, [resultsKey, output.key]);
  return {
    splits: [],
    ...output.staged,
    recordsIn: results.length,
    recordsOut: output.records,
    bytesIn: 0,
    spills: output.spills,
    delegate: delegateStats(made.results, made.throttles, results),
    ms: deps.now() - started,
    ...timingOf(started, event.Attempt),
  };
}

/** Items in input order, each index once, each task one the runtime may call. */
function checkItems(event: DelegateEvent, deps: TaskDeps): DelegateEvent['Items'] {
  const items = [...event.Items].sort((a, b) => a.index - b.index);
  for (let i = 1; i < items.length; i++) {
    if (items[i]?.index === items[i - 1]?.index) {
      throw new TaskInputError(`call ${items[i]?.index} appears twice in one delegate batch`);
    }
  }
  for (const item of items) {
    const reason = deps.scope.refuseCall?.(item.task);
    if (reason) throw new ForbiddenTaskInputError(`call ${item.index} refused: ${reason}`);
  }
  return items;
}

interface Written {
  readonly key: string;
  readonly staged: Pick<MapTaskResult, 'part' | 'shuffle'>;
  readonly records: number;
  readonly spills: number;
}

/** The batch's output: its results as a part, or the job's map over them (shuffled with a reducer). */
async function writeOutput(
  opened: JobWork,
  deps: TaskDeps,
  results: readonly DelegateResult[],
  first: number,
  mode: 'results' | 'map',
): Promise<Written> {
  const { plan, store: work, ref } = opened;
  const job = mode === 'map' ? await loadPlannedJob(opened, deps) : undefined;
  const map = async (emit: (key: Key, value: unknown) => void) => {
    if (!job) return;
    const overResults = job.map as unknown as (r: DelegateResult, e: typeof emit) => unknown;
    for (const result of results) {
      try {
        await overResults(result, emit);
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause);
        throw new UserCodeError(`map threw on the result of call ${result.index}: ${message}`, { cause });
      }
    }
  };
  if (job?.reduce) {
    const buffer = new MapOutputBuffer<Key, unknown>({
      partitions: plan.reducers,
      memoryBudgetBytes: plan.memoryBudget,
      spillDir: deps.tmpDir,
      ...(job.combine ? { combine: job.combine } : {}),
    });
    try {
      let records = 0;
      await map((k, v) => {
        records++;
        buffer.add(k, v);
      });
      const out = await buffer.finish();
      const key = workKeys.shuffle(ref, first);
      await work.put(key, await readFile(out.path));
      return { key, staged: { shuffle: { key, bytes: out.bytes } }, records, spills: out.spills };
    } finally {
      buffer.dispose();
    }
  }
  const writer = new PartWriter(plan.outputFormat);
  if (job) await map((k, v) => writer.write(k, v));
  else for (const result of results) writer.writeRecord(resultRecord(result));
  const body = writer.finish();
  const key = workKeys.part(ref, first);
  await work.put(key, body);
  const part = { part: first, key, records: writer.records, bytes: writer.bytes, sha256: writer.sha256() };
  return { key, staged: { part }, records: writer.records, spills: 0 };
}
