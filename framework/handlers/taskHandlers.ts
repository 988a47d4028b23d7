import { collectEvent, delegateEvent, mapEvent, reduceEvent } from '../contract/events.js';
import { collectTask } from '../tasks/collectTask.js';
import { delegateTask } from '../tasks/delegateTask.js';
import type { TaskDeps } from '../tasks/deps.js';
import { mapTask } from '../tasks/mapTask.js';
import { reduceTask } from '../tasks/reduceTask.js';
import { taskHandler } from './middleware.js';

/**
 * The map, reduce, delegate and collect handlers over the given task dependencies: the deployed
 * functions' (see createHandlers) or the embedded runtime's. Each checks its event against its
 * schema before the task runs, and the task checks every reference against `deps.scope`.
 *
 * @example
 * ```ts
 * const { map } = taskHandlers(() => deployedDeps(config));
 * ```
 */
export function taskHandlers(deps: () => Promise<TaskDeps>) {
  return {
    /** One batch of splits → one shuffle object (or a staged part). */
    map: taskHandler('map', mapEvent, async (event) => mapTask(event, await deps())),
    /** One batch of partitions → one staged part each. */
    reduce: taskHandler('reduce', reduceEvent, async (event) => reduceTask(event, await deps())),
    /** One batch of a delegate job's calls → their results (or the job's map over them), staged. */
    delegate: taskHandler('delegate', delegateEvent, async (event) => delegateTask(event, await deps())),
    /** Plans the reduce stage, commits the result, or aborts a failed job. */
    collect: taskHandler('collect', collectEvent, async (event) => collectTask(event, await deps())),
  };
}
