import type { StateDefinition } from './asl.js';
import type { Machine } from './definition.js';
import { ExecutionAbortedError } from './errors.js';
import type { Position } from './execution.js';
import { assertPayloadSize } from './limits.js';
import { evalEnv, isoNow, type Scope, stateContext } from './runtime.js';
import type { StateOutcome } from './stateIo.js';
import { runChoiceState } from './states/choiceState.js';
import { runMapState } from './states/map.js';
import { runParallelState } from './states/parallel.js';
import { runPassState } from './states/pass.js';
import { runTaskState } from './states/task.js';
import { runFailState, runSucceedState } from './states/terminal.js';
import { runWaitState } from './states/wait.js';

async function runState(
  name: string,
  state: StateDefinition,
  input: unknown,
  scope: Scope,
): Promise<StateOutcome> {
  switch (state.Type) {
    case 'Task':
      return runTaskState(name, state, input, scope);
    case 'Map':
      return runMapState(name, state, input, scope);
    case 'Parallel':
      return runParallelState(name, state, input, scope);
  }
  const context = stateContext(scope, name, isoNow(scope.rt), 0);
  switch (state.Type) {
    case 'Pass':
      return runPassState(state, input, evalEnv(scope, context));
    case 'Choice':
      return runChoiceState(name, state, input, context);
    case 'Wait':
      return runWaitState(state, input, scope, context);
    case 'Succeed':
      return runSucceedState(state, input, context);
    case 'Fail':
      return runFailState(state, input, evalEnv(scope, context));
  }
}

/** Where a top-level run starts and how it reports its way: for redrives. */
export interface Track {
  /** Start at this state with this input instead of `StartAt` with the machine's input. */
  readonly from?: Position;
  /** Called as each state is entered. */
  readonly onEnter?: (position: Position) => void;
}

/**
 * Runs a machine (an execution, a Map iteration, a Parallel branch) from `StartAt` (or
 * `track.from`) until a state ends it, and returns the last output. Failures throw
 * `StatesError`; a stop throws `ExecutionAbortedError`. Every state output is checked against
 * the payload limit.
 *
 * @example
 * ```ts
 * const output = await runMachine(loadDefinition(definition), input, scope);
 * ```
 */
export async function runMachine(
  machine: Machine,
  input: unknown,
  scope: Scope,
  track: Track = {},
): Promise<unknown> {
  const { rt } = scope;
  let name = track.from?.name ?? machine.startAt;
  let data = track.from ? track.from.input : input;
  for (;;) {
    if (scope.signal.aborted) throw new ExecutionAbortedError();
    const state = machine.states.get(name) as StateDefinition;
    track.onEnter?.({ name, input: data });
    if (rt.events.active) {
      rt.events.emit({
        type: 'StateEntered',
        timestamp: rt.deps.now(),
        executionArn: scope.executionArn,
        name,
        input: data,
      });
    }
    const { output, next } = await runState(name, state, data, scope);
    assertPayloadSize(output, rt.limits.payloadBytes, name);
    if (rt.events.active) {
      rt.events.emit({
        type: 'StateExited',
        timestamp: rt.deps.now(),
        executionArn: scope.executionArn,
        name,
        output,
      });
    }
    if (next === undefined) return output;
    name = next;
    data = output;
  }
}
