import type { WaitState } from '../asl.js';
import { parseTimestamp } from '../choice.js';
import { ExecutionAbortedError, StatesError } from '../errors.js';
import { requirePath } from '../paths.js';
import type { Scope } from '../runtime.js';
import { applyInputPath, applyOutputPath, type StateOutcome } from '../stateIo.js';

function waitMs(state: WaitState, data: unknown, context: unknown, now: number): number {
  if (state.Seconds !== undefined) return state.Seconds * 1000;
  if (state.SecondsPath !== undefined) {
    const seconds = requirePath(state.SecondsPath, data, context, 'SecondsPath');
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new StatesError(
        'States.Runtime',
        `The value at SecondsPath '${state.SecondsPath}' must be a non-negative integer.`,
      );
    }
    return seconds * 1000;
  }
  const text = state.Timestamp ?? requirePath(state.TimestampPath as string, data, context, 'TimestampPath');
  const at = parseTimestamp(text);
  if (at === undefined) {
    throw new StatesError(
      'States.Runtime',
      `The Wait timestamp ${JSON.stringify(text)} is not an RFC 3339 timestamp.`,
    );
  }
  return Math.max(0, at - now);
}

/**
 * A Wait state: sleeps (through `deps.sleep`) for `Seconds` / `SecondsPath`, or until
 * `Timestamp` / `TimestampPath`; a timestamp in the past does not wait. Stopping the
 * execution cuts the wait short.
 *
 * @example
 * ```ts
 * await runWaitState({ Type: 'Wait', Seconds: 5, Next: 'B' }, input, scope, context);
 * ```
 */
export async function runWaitState(
  state: WaitState,
  input: unknown,
  scope: Scope,
  context: unknown,
): Promise<StateOutcome> {
  const data = applyInputPath(state.InputPath, input, context);
  const ms = waitMs(state, data, context, scope.rt.deps.now());
  try {
    await scope.rt.deps.sleep(ms, scope.signal);
  } catch {
    throw new ExecutionAbortedError();
  }
  return { output: applyOutputPath(state.OutputPath, data, context), next: state.Next };
}
