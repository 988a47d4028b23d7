import { taskDeps } from '../framework/runtime/taskDeps.js';
import type { ReduceTaskEvent } from '../framework/tasks/payloads.js';
import { reduceTask } from '../framework/tasks/reduceTask.js';
import { taskHandler } from './middleware.js';

/** The reduce function: one batch of partitions → one staged part each. */
export const handler = taskHandler('reduce', (event: ReduceTaskEvent) => reduceTask(event, taskDeps()));
