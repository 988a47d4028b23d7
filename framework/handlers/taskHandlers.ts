import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { collectEvent, delegateEvent, mapEvent, reduceEvent } from '../contract/events.js';
import { collectTask } from '../tasks/collectTask.js';
import { delegateTask } from '../tasks/delegateTask.js';
import type { TaskDeps } from '../tasks/deps.js';
import { mapTask } from '../tasks/mapTask.js';
import { reduceTask } from '../tasks/reduceTask.js';
import type { TaskFunction } from './plainHandler.js';

/** Makes a task's function from its name, event schema and body: `taskHandler` or `plainTaskHandler`. */
export type WrapTask = <S extends z.ZodType, R>(
  task: string,
  schema: S,
  run: (event: z.infer<S>, context: Context) => Promise<R>,
) => TaskFunction<R>;

/**
 * The map, reduce, delegate and collect handlers over the given task dependencies: the deployed
 * functions' (see createHandlers, wrapped in middy) or the embedded runtime's (plain). Each
 * checks its event against its schema before the task runs, and the task checks every
 * reference against `deps.scope`.
 *
 * @example
 * ```ts
 * const { map } = taskHandlers(() => deployedDeps(config), taskHandler);
 * ```
 */
export function taskHandlers(deps: () => Promise<TaskDeps>, wrap: WrapTask) {
  return {
    /** One batch of splits → one shuffle object (or a staged part). */
    map: wrap('map', mapEvent, async (event) => mapTask(event, await deps())),
    /** One batch of partitions → one staged part each. */
    reduce: wrap('reduce', reduceEvent, async (event) => reduceTask(event, await deps())),
    /** One batch of a delegate job's calls → their results (or the job's map over them), staged. */
    delegate: wrap('delegate', delegateEvent, async (event) => delegateTask(event, await deps())),
    /** Plans the reduce stage, commits the result, or aborts a failed job. */
    collect: wrap('collect', collectEvent, async (event) => collectTask(event, await deps())),
  };
}
