import { plainTaskHandler } from '../../handlers/plainHandler.js';
import { taskHandlers } from '../../handlers/taskHandlers.js';
import { embeddedDeps } from './embeddedDeps.js';

/**
 * The handlers the embedded runtime's workers run: the deployed functions' map, reduce and
 * collect, over the embedded runtime's dependencies (local work folder, job modules by path).
 * They are the plain functions inside the deployed handlers: the Lambda middleware (JSON logs)
 * is loaded only when `POWERTOOLS_LOG_LEVEL` asks for logs, which the embedded runtime turns off
 * by default.
 *
 * @example
 * ```ts
 * const { map } = await loadHandlers();
 * const result = await map(event, context);
 * ```
 */
export async function loadHandlers(env: NodeJS.ProcessEnv = process.env) {
  const level = env.POWERTOOLS_LOG_LEVEL;
  if (level !== undefined && level.toUpperCase() !== 'SILENT') {
    const { taskHandler } = await import('../../handlers/middleware.js');
    return taskHandlers(embeddedDeps, taskHandler);
  }
  return taskHandlers(embeddedDeps, plainTaskHandler);
}
