import type { TaskDeps } from './deps.js';
import { openJobWork } from './jobWork.js';
import { mapResults, requireKept } from './kept.js';
import type { CollectEvent, PrepareReduceResult } from './payloads.js';
import { workKeys } from './payloads.js';
import { writeShuffleIndex } from './shuffleIndex.js';

/**
 * The Shuffle step: from the map stage's results (and, for a redrive, those the redriven job
 * kept), writes the shuffle index (where each partition's run lies in every shuffle object)
 * and the list of partitions the Reduce stage maps over.
 *
 * @example
 * ```ts
 * const { partitions } = await prepareReduce({ action: 'prepareReduce', ...ref, map: details }, deps);
 * ```
 */
export async function prepareReduce(
  event: Extract<CollectEvent, { action: 'prepareReduce' }>,
  deps: TaskDeps,
): Promise<PrepareReduceResult> {
  const { store: work, plan, scope } = await openJobWork(event, deps);
  const earlier = plan.redrive ? await requireKept(work, plan.redrive, scope) : undefined;
  const maps = await mapResults(work, event, scope, earlier, event.map);
  const shuffles = maps.succeeded
    .flatMap((m) => (m.shuffle ? [m.shuffle] : []))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  await writeShuffleIndex(work, event, shuffles, plan.reducers);
  const lines = Array.from({ length: plan.reducers }, (_, partition) => JSON.stringify({ partition }));
  await work.put(workKeys.partitions(event), lines.length ? `${lines.join('\n')}\n` : '');
  const shuffleBytes = shuffles.reduce((n, m) => n + m.bytes, 0);
  return { partitions: plan.reducers, mapTasks: shuffles.length, shuffleBytes };
}
