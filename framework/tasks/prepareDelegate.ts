import type { TaskDeps } from './deps.js';
import { TaskInputError } from './errors.js';
import { openJobWork } from './jobWork.js';
import { mapResults, requireKept } from './kept.js';
import type { CollectEvent, PrepareDelegateResult } from './payloads.js';
import { workKeys } from './payloads.js';
import { checkWorkKey } from './scope.js';

/**
 * The PrepareDelegate step: from the map stage's results, in split order, writes the delegate
 * stage's items (`calls.jsonl`, one `{ index, task }` per line). A call's index is the position
 * of its record in the input, counted in split order (the inputs as listed, each object from
 * its first byte): the same input gives the same indexes in every run, however it is split.
 * A redrive takes the calls of the job it redrives as they are, so its batches are the same.
 *
 * @example
 * ```ts
 * const { calls } = await prepareDelegate({ action: 'prepareDelegate', ...ref, map: details }, deps);
 * ```
 */
export async function prepareDelegate(
  event: Extract<CollectEvent, { action: 'prepareDelegate' }>,
  deps: TaskDeps,
): Promise<PrepareDelegateResult> {
  const { store: work, plan, scope } = await openJobWork(event, deps);
  if (!plan.delegate) {
    throw new TaskInputError(`job ${event.jobId} has no delegate stage: its job.json names no delegate`);
  }
  if (plan.delegate.redrive && plan.redrive) {
    await requireKept(work, plan.redrive, scope);
    const body = await work.get(workKeys.calls(plan.redrive));
    await work.put(workKeys.calls(event), body);
    return { calls: countLines(body) };
  }
  const maps = await mapResults(work, event, scope, undefined, event.map);
  const ordered = [...maps.succeeded].sort((a, b) => (a.splits[0] ?? 0) - (b.splits[0] ?? 0));
  let index = 0;
  const out: string[] = [];
  for (const result of ordered) {
    if (!result.tasks) continue;
    checkWorkKey(result.tasks.key, [event.prefix]);
    const lines = (await work.get(result.tasks.key)).toString('utf8').split('\n');
    if (lines.pop() !== '' || lines.length !== result.tasks.count) {
      throw new TaskInputError(
        `${work.url}${result.tasks.key} holds ${lines.length} tasks, its map task wrote ${result.tasks.count}: the object was changed; run the job again`,
      );
    }
    // Parsed, never pasted: a line is one JSON value, whatever the object holds.
    for (const [line, text] of lines.entries()) {
      out.push(
        `${JSON.stringify({ index: index++, task: parseLine(text, `${work.url}${result.tasks.key}`, line) })}\n`,
      );
    }
  }
  await work.put(workKeys.calls(event), out.join(''));
  return { calls: index };
}

function parseLine(text: string, where: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TaskInputError(
      `${where} line ${line + 1} is not JSON: the object was changed; run the job again`,
    );
  }
}

function countLines(body: Buffer): number {
  let n = 0;
  for (const byte of body) if (byte === 10) n++;
  return n;
}
