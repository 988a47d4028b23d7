import { linkedController } from '../abort.js';
import type { ParallelState } from '../asl.js';
import { machineOf } from '../definition.js';
import { ExecutionAbortedError } from '../errors.js';
import { withRetryAndCatch } from '../handlers.js';
import { runMachine } from '../machine.js';
import { runPool } from '../pool.js';
import { evalEnv, type Scope } from '../runtime.js';
import { effectiveInput, finishState, type StateOutcome } from '../stateIo.js';

/**
 * Runs branches (or iterations) concurrently with a shared stop: the first failure aborts the
 * others and is rethrown; a stopped execution throws `ExecutionAbortedError`.
 *
 * @example
 * ```ts
 * const outputs = await runAllOrFail(scope, 3, 10, (i, child) => runMachine(m, inputs[i], child));
 * ```
 */
export async function runAllOrFail(
  scope: Scope,
  count: number,
  concurrency: number,
  work: (index: number, child: Scope) => Promise<unknown>,
): Promise<unknown[]> {
  const link = linkedController(scope.signal);
  const child: Scope = { ...scope, signal: link.signal };
  const results = new Array<unknown>(count);
  let failure: { error: unknown } | undefined;
  await runPool(
    count,
    concurrency,
    async (i) => {
      try {
        results[i] = await work(i, child);
      } catch (error) {
        if (!failure) failure = { error };
        link.abort();
      }
    },
    () => failure !== undefined,
  );
  link.dispose();
  if (scope.signal.aborted) throw new ExecutionAbortedError();
  if (failure) throw failure.error;
  return results;
}

/**
 * A Parallel state: every branch runs on the effective input; the result is the array of
 * branch outputs, in branch order. A failing branch fails the state with its own error.
 *
 * @example
 * ```ts
 * const { output } = await runParallelState('Both', state, input, scope);
 * ```
 */
export function runParallelState(
  name: string,
  state: ParallelState,
  input: unknown,
  scope: Scope,
): Promise<StateOutcome> {
  return withRetryAndCatch(name, state, input, scope, async (context) => {
    const env = evalEnv(scope, context);
    const branchInput = effectiveInput(state, input, env);
    const branches = state.Branches.map(machineOf);
    const outputs = await runAllOrFail(scope, branches.length, branches.length, (i, child) =>
      runMachine(branches[i] as (typeof branches)[number], branchInput, child),
    );
    return finishState(state, input, outputs, env);
  });
}
