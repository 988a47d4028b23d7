import type { StepmrConfig } from '../framework/deploy/config.js';
import { taskDeps } from '../framework/runtime/taskDeps.js';
import type { TaskDeps } from '../framework/tasks/deps.js';

/**
 * The project's `stepmr.config.ts`, imported on first use: the bundler packs it (and every job
 * it registers) into each function, and the embedded runtime, which loads jobs by path, never
 * needs it.
 */
export const loadConfig = async (): Promise<StepmrConfig> => (await import('../stepmr.config.js')).default;

/** The dependencies of the task functions: stores from the environment, jobs from the registry. */
export const deps = (): Promise<TaskDeps> => taskDeps(loadConfig);
