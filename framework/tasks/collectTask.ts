import { abortJob } from './abort.js';
import { commitJob } from './commit.js';
import type { TaskDeps } from './deps.js';
import type { CollectEvent, CommitResult, PrepareDelegateResult, PrepareReduceResult } from './payloads.js';
import { prepareDelegate } from './prepareDelegate.js';
import { prepareReduce } from './prepareReduce.js';
import { checkJobRef } from './scope.js';

export { stopJobWork } from './abort.js';
export { partName } from './partName.js';

/**
 * The collect function: plans the reduce stage from the map results (`prepareReduce`) or a
 * delegate job's calls (`prepareDelegate`),
 * verifies and publishes the staged parts with `_SUCCESS` last (`commit`), or removes a failed
 * job's working objects and any part its commit had published before it failed (`abort`).
 *
 * @example
 * ```ts
 * await collectTask({ action: 'abort', ...ref }, deps);
 * ```
 */
export async function collectTask(
  event: CollectEvent,
  deps: TaskDeps,
): Promise<PrepareReduceResult | PrepareDelegateResult | CommitResult | { aborted: true }> {
  // The event is checked before anything is read or deleted: an abort removes everything under
  // its prefix, which must be the job's own.
  checkJobRef(deps.scope, event);
  switch (event.action) {
    case 'prepareReduce':
      return prepareReduce(event, deps);
    case 'prepareDelegate':
      return prepareDelegate(event, deps);
    case 'commit':
      return commitJob(event, deps);
    case 'abort':
      return abortJob(event, deps);
  }
}
