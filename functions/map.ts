import { taskDeps } from '../framework/runtime/taskDeps.js';
import { mapTask } from '../framework/tasks/mapTask.js';
import type { MapTaskEvent } from '../framework/tasks/payloads.js';
import { taskHandler } from './middleware.js';

/** The map function: one batch of splits → one shuffle object (or a staged part). */
export const handler = taskHandler('map', (event: MapTaskEvent) => mapTask(event, taskDeps()));
