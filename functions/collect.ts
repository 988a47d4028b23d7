import { taskDeps } from '../framework/runtime/taskDeps.js';
import { collectTask } from '../framework/tasks/collectTask.js';
import type { CollectEvent } from '../framework/tasks/payloads.js';
import { taskHandler } from './middleware.js';

/** The collect function: plans the reduce stage, commits the result, or aborts a failed job. */
export const handler = taskHandler('collect', (event: CollectEvent) => collectTask(event, taskDeps()));
