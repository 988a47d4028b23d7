import type { CallDeps } from '../delegate/deps.js';
import { createCallRun } from '../delegate/runCalls.js';
import type { CallRunner } from '../tasks/deps.js';

/**
 * The delegate tasks' call runner over the call executor: one run of calls per batch (its
 * governor holds the batch's share of the job's limits), and the throttling answers it saw.
 *
 * @example
 * ```ts
 * const deps: TaskDeps = { ...base, runCalls: callRunner() };
 * ```
 */
export function callRunner(overrides: Partial<CallDeps> = {}): CallRunner {
  return async (items, options) => {
    const run = createCallRun(options, overrides);
    const results = await run.run(items);
    return { results, throttles: run.stats().throttled };
  };
}
