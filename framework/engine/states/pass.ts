import type { PassState } from '../asl.js';
import { effectiveInput, finishState, type StateOutcome } from '../stateIo.js';
import type { EvalEnv } from '../template.js';

/**
 * A Pass state: its result is `Result` when given, else the effective input (InputPath,
 * Parameters); then ResultPath and OutputPath.
 *
 * @example
 * ```ts
 * runPassState({ Type: 'Pass', Result: 1, ResultPath: '$.r', End: true }, { a: 0 }, env);
 * // { output: { a: 0, r: 1 }, next: undefined }
 * ```
 */
export function runPassState(state: PassState, input: unknown, env: EvalEnv): StateOutcome {
  const result = 'Result' in state ? state.Result : effectiveInput(state, input, env);
  return finishState(state, input, result, env);
}
