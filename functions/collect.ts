import { collectTask } from '../framework/tasks/collectTask.js';
import type { CollectEvent } from '../framework/tasks/payloads.js';
import { deps } from './deps.js';
import { collectEvent } from './events.js';
import { taskHandler } from './middleware.js';

/** The collect function: plans the reduce stage, commits the result, or aborts a failed job. */
export const handler = taskHandler('collect', collectEvent, async (event: CollectEvent) =>
  collectTask(event, await deps()),
);
