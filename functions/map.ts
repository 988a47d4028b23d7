import { mapTask } from '../framework/tasks/mapTask.js';
import type { MapTaskEvent } from '../framework/tasks/payloads.js';
import { deps } from './deps.js';
import { mapEvent } from './events.js';
import { taskHandler } from './middleware.js';

/** The map function: one batch of splits → one shuffle object (or a staged part). */
export const handler = taskHandler('map', mapEvent, async (event: MapTaskEvent) =>
  mapTask(event, await deps()),
);
