import type { Catcher, Retrier } from './asl.js';
import { ExecutionAbortedError, StatesError } from './errors.js';
import { applyResultPath } from './resultPath.js';
import { findCatcher, RetryPolicy } from './retry.js';
import { isoNow, type Scope, stateContext } from './runtime.js';
import type { StateOutcome } from './stateIo.js';

interface Handled {
  readonly Type: string;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** Any failure as a StatesError; aborts pass through. */
function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof ExecutionAbortedError) throw error;
  if (error instanceof Error) return new StatesError('States.Runtime', error.message, { cause: error });
  return new StatesError('States.Runtime', String(error));
}

/**
 * Runs one visit of a Task, Map or Parallel state with its `Retry` and `Catch`: a failure is
 * retried by the first retrier whose `ErrorEquals` matches (until its `MaxAttempts`), after
 * the backoff delay slept through `deps.sleep`; then the first matching catcher sends
 * `{ Error, Cause }` (placed by its `ResultPath`) to its `Next`; otherwise the failure stands.
 *
 * @example
 * ```ts
 * return withRetryAndCatch(name, state, input, scope, (context) => runTask(context));
 * ```
 */
export async function withRetryAndCatch(
  name: string,
  state: Handled,
  input: unknown,
  scope: Scope,
  attempt: (context: unknown) => Promise<StateOutcome>,
): Promise<StateOutcome> {
  const { rt } = scope;
  const policy = new RetryPolicy(state.Retry);
  const enteredTime = isoNow(rt);
  for (;;) {
    const context = stateContext(scope, name, enteredTime, policy.retryCount);
    let failure: StatesError;
    try {
      return await attempt(context);
    } catch (error) {
      failure = asStatesError(error);
    }
    if (scope.signal.aborted) throw new ExecutionAbortedError();
    const at = { timestamp: rt.deps.now(), executionArn: scope.executionArn, name };
    if (state.Type === 'Task' && rt.events.active) {
      rt.events.emit({ ...at, type: 'TaskFailed', error: failure.error, cause: failure.errorCause });
    }
    const retry = policy.next(failure.error, rt.deps.random);
    if (retry) {
      if (rt.events.active) rt.events.emit({ ...at, type: 'TaskRetry', error: failure.error, ...retry });
      try {
        await rt.deps.sleep(retry.delayMs, scope.signal);
      } catch {
        throw new ExecutionAbortedError();
      }
      continue;
    }
    const catcher = findCatcher(state.Catch, failure.error);
    if (!catcher) throw failure;
    // The catcher's ResultPath places the error output in the raw input; OutputPath does not apply.
    return {
      output: applyResultPath(input, failure.toErrorOutput(), catcher.ResultPath),
      next: catcher.Next,
    };
  }
}
