import { taskHandlers } from '../../handlers/taskHandlers.js';
import { embeddedDeps } from './embeddedDeps.js';

/**
 * The handlers the embedded runtime's workers run: the deployed functions' map, reduce and
 * collect, over the embedded runtime's dependencies (local work folder, job modules by path).
 *
 * @example
 * ```ts
 * const result = await handlers.map(event, context);
 * ```
 */
export const handlers = taskHandlers(embeddedDeps);
