import type { FailState, SucceedState } from '../asl.js';
import { StatesError } from '../errors.js';
import { evaluateIntrinsic } from '../intrinsics/evaluate.js';
import { isIntrinsic, parseIntrinsic } from '../intrinsics/parser.js';
import { requirePath } from '../paths.js';
import { applyInputPath, applyOutputPath, type StateOutcome } from '../stateIo.js';
import type { EvalEnv } from '../template.js';

/**
 * A Succeed state: ends the machine with its input (through InputPath and OutputPath).
 *
 * @example
 * ```ts
 * runSucceedState({ Type: 'Succeed' }, { a: 1 }, {}); // { output: { a: 1 }, next: undefined }
 * ```
 */
export function runSucceedState(state: SucceedState, input: unknown, context: unknown): StateOutcome {
  const data = applyInputPath(state.InputPath, input, context);
  return { output: applyOutputPath(state.OutputPath, data, context), next: undefined };
}

function text(
  fixed: string | undefined,
  path: string | undefined,
  data: unknown,
  env: EvalEnv,
): string | undefined {
  if (path === undefined) return fixed;
  const value = isIntrinsic(path)
    ? evaluateIntrinsic(parseIntrinsic(path), data, env.context, env)
    : requirePath(path, data, env.context, 'ErrorPath/CausePath');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A Fail state: fails the machine with `Error` / `ErrorPath` and `Cause` / `CausePath` (a
 * path or an intrinsic function, evaluated on the state input).
 *
 * @example
 * ```ts
 * runFailState({ Type: 'Fail', Error: 'Bad', Cause: 'why' }, {}, env); // throws StatesError Bad
 * ```
 */
export function runFailState(state: FailState, input: unknown, env: EvalEnv): never {
  const error = text(state.Error, state.ErrorPath, input, env);
  const cause = text(state.Cause, state.CausePath, input, env);
  throw new StatesError(error ?? '', cause);
}
