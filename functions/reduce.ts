import type { ReduceTaskEvent } from '../framework/tasks/payloads.js';
import { reduceTask } from '../framework/tasks/reduceTask.js';
import { deps } from './deps.js';
import { reduceEvent } from './events.js';
import { taskHandler } from './middleware.js';

/** The reduce function: one batch of partitions → one staged part each. */
export const handler = taskHandler('reduce', reduceEvent, async (event: ReduceTaskEvent) =>
  reduceTask(event, await deps()),
);
