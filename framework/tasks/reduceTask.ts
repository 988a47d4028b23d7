import type { Readable } from 'node:stream';
import { PartWriter } from '../io/index.js';
import type { Key } from '../job/types.js';
import { type KeyGroup, keyLabel, mergeRuns, type RunSource } from '../shuffle/index.js';
import { mergeRunBatches } from '../shuffle/mergeRuns.js';
import { closedWindow, stateLocation } from '../stream/window.js';
import { countingDeps, usageOf } from './countRequests.js';
import type { TaskDeps } from './deps.js';
import { progressOf } from './deps.js';
import { TaskInputError, UserCodeError } from './errors.js';
import { loadPlannedJob, openJobWork, removeIfEnded } from './jobWork.js';
import { type MergedGroup, mergeState } from './mergeState.js';
import { partName } from './partName.js';
import type { ReduceTaskEvent, ReduceTaskResult, StagedPart } from './payloads.js';
import { workKeys } from './payloads.js';
import { checkAnyWorkKey, checkOutput, checkState } from './scope.js';
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
  // A windowed stream batch publishes the windows its watermark closed and keeps the open ones
  // in the state beside its output, one part per partition (a retried task rewrites its own).
  const window = plan.window;
  const state = window ? stateLocation(plan.output) : undefined;
  if (state) checkOutput(deps.scope, state);
  // A stream batch that merges the previous state here: partition p of it, read as a stream.
  const previous = plan.state;
  if (previous) checkState(deps.scope, plan.output, previous.uri);
  // The key groups of a partition in batches (one await per batch, not per key); merged with
  // the previous state one group at a time.
  async function* groupsOf(
    runs: Readable[],
    sources: RunSource[],
    partition: number,
  ): AsyncGenerator<(MergedGroup | (KeyGroup<Key, unknown> & { carried?: false }))[]> {
    if (!previous) {
      yield* mergeRunBatches<Key, unknown>(runs, { sources });
      return;
    }
    const uri = `${previous.uri}${partName(partition, { kind: 'jsonl' })}`;
    const opened = deps.open(uri);
    const merged = mergeState(mergeRuns<Key, unknown>(runs, { sources }), opened.store.read(opened.key), uri);
    for await (const group of merged) yield [group];
  }
  const maps = await readShuffleMaps(work, ref);
  const report = progressOf(deps, {
    jobId: ref.jobId,
    stage: 'reduce',
    task: event.Items[0]?.partition ?? 0,
  });
  report(0, 0, true);
  let groupsRead = 0;
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
    const open = window ? new PartWriter(plan.outputFormat) : undefined;
    for await (const batch of groupsOf(runs, sources, partition))
      for (const group of batch) {
        recordsIn += group.values.length;
        if ((++groupsRead & 255) === 0) report(0, recordsIn);
        let value: unknown;
        try {
          value = group.carried ? group.values[0] : reduce(group.key, group.values);
        } catch (cause) {
          // The key by its label, never its content: messages reach payloads, logs and _SUCCESS.
          throw new UserCodeError(
            `reduce threw on ${keyLabel(group.key)} (partition ${partition}): ${(cause as Error)?.message ?? cause}${atUserCode(cause)}`,
            { cause },
          );
        }
        try {
          const closed = window && closedWindow(group.key, window);
          if (closed)
            writer.writeRecord({ window: { start: closed.start, end: closed.end }, key: closed.key, value });
          else if (open) open.write(group.key, value);
          else writer.write(group.key, value);
        } catch (error) {
          if (error instanceof Error)
            error.message = `${error.message} (${keyLabel(group.key)}, partition ${partition})`;
          throw error;
        }
      }
    if (state && open) {
      const target = deps.open(`${state}${partName(partition, plan.outputFormat)}`);
      await target.store.put(target.key, open.finish());
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
