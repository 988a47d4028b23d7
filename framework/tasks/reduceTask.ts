import type { Readable } from 'node:stream';
import { PartWriter } from '../io/index.js';
import type { Key } from '../job/types.js';
import { keyLabel, mergeRuns, type RunSource } from '../shuffle/index.js';
import { countingDeps, usageOf } from './countRequests.js';
import type { TaskDeps } from './deps.js';
import { progressOf } from './deps.js';
import { TaskInputError, UserCodeError } from './errors.js';
import { loadPlannedJob, openJobWork, removeIfEnded } from './jobWork.js';
import type { ReduceTaskEvent, ReduceTaskResult, StagedPart } from './payloads.js';
import { workKeys } from './payloads.js';
import { checkAnyWorkKey } from './scope.js';
import { readPartitionRuns, readShuffleMaps } from './shuffleIndex.js';
import { timingOf } from './taskClock.js';
import { atUserCode } from './thrownAt.js';

/**
 * Reduces a batch of partitions: for each, a streaming merge of its sorted run in every
 * shuffle object (ranged reads), `reduce` per key in key order, one staged part per partition.
 *
 * @example
 * ```ts
 * const { parts } = await reduceTask({ BatchInput: ref, Items: [{ partition: 3 }] }, deps);
 * ```
 */
export async function reduceTask(event: ReduceTaskEvent, given: TaskDeps): Promise<ReduceTaskResult> {
  const { deps, counts } = countingDeps(given);
  const started = deps.now();
  const ref = event.BatchInput;
  const opened = await openJobWork(ref, deps);
  const { store: work, plan } = opened;
  const job = await loadPlannedJob(opened, deps);
  const reduce = job.reduce;
  if (!reduce) throw new TaskInputError(`job ${plan.job.name} has no reduce function, but a reduce task ran`);
  const parts: StagedPart[] = [];
  let recordsIn = 0;
  let bytesIn = 0;
  const maps = await readShuffleMaps(work, ref);
  const report = progressOf(deps, {
    jobId: ref.jobId,
    stage: 'reduce',
    task: event.Items[0]?.partition ?? 0,
  });
  report(0, 0, true);
  let groups = 0;
  for (const { partition } of event.Items) {
    if (!Number.isInteger(partition) || partition < 0 || partition >= plan.reducers) {
      throw new TaskInputError(
        `partition ${partition} is outside 0..${plan.reducers - 1} of job ${ref.jobId}`,
      );
    }
    const before = { records: recordsIn, bytes: bytesIn };
    const runs: Readable[] = [];
    const sources: RunSource[] = [];
    for (const { key, run } of await readPartitionRuns(work, ref, maps, partition)) {
      if (run.length === 0) continue;
      checkAnyWorkKey(deps.scope, key);
      bytesIn += run.length;
      runs.push(work.read(key, { start: run.offset, end: run.offset + run.length }));
      sources.push({ name: `${work.url}${key}`, offset: run.offset, check: run });
    }
    const writer = new PartWriter(plan.outputFormat);
    for await (const group of mergeRuns<Key, unknown>(runs, { sources })) {
      recordsIn += group.values.length;
      if ((++groups & 255) === 0) report(0, recordsIn);
      let value: unknown;
      try {
        value = reduce(group.key, group.values);
      } catch (cause) {
        // The key by its label, never its content: messages reach payloads, logs and _SUCCESS.
        throw new UserCodeError(
          `reduce threw on ${keyLabel(group.key)} (partition ${partition}): ${(cause as Error)?.message ?? cause}${atUserCode(cause)}`,
          { cause },
        );
      }
      try {
        writer.write(group.key, value);
      } catch (error) {
        if (error instanceof Error)
          error.message = `${error.message} (${keyLabel(group.key)}, partition ${partition})`;
        throw error;
      }
    }
    const key = workKeys.part(ref, partition);
    await work.put(key, writer.finish());
    await removeIfEnded(opened, [key]);
    parts.push({
      part: partition,
      key,
      records: writer.records,
      bytes: writer.bytes,
      sha256: writer.sha256(),
      recordsIn: recordsIn - before.records,
      bytesIn: bytesIn - before.bytes,
    });
  }
  return {
    parts,
    recordsIn,
    bytesIn,
    ms: deps.now() - started,
    ...usageOf(counts),
    ...timingOf(started, event.Attempt),
  };
}
