import { requirePath } from './paths.js';
import { applyResultPath } from './resultPath.js';
import { type EvalEnv, evaluateTemplate } from './template.js';

/**
 * What a state hands to the machine: its output and the next state (none: the machine ends).
 *
 * @example
 * ```ts
 * const outcome: StateOutcome = { output: { a: 1 }, next: 'B' };
 * ```
 */
export interface StateOutcome {
  readonly output: unknown;
  readonly next: string | undefined;
}

interface IoFields {
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
  readonly Parameters?: unknown;
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly Next?: string;
}

/**
 * `InputPath`: absent keeps the input, `null` gives `{}`, a path selects part of it.
 *
 * @example
 * ```ts
 * applyInputPath('$.a', { a: 1 }, {}); // 1
 * ```
 */
export function applyInputPath(path: string | null | undefined, input: unknown, context: unknown): unknown {
  if (path === undefined || path === '$') return input;
  if (path === null) return {};
  return requirePath(path, input, context, 'InputPath');
}

/**
 * `OutputPath`: same rules as `InputPath`, applied to the state output.
 *
 * @example
 * ```ts
 * applyOutputPath(null, { a: 1 }, {}); // {}
 * ```
 */
export function applyOutputPath(path: string | null | undefined, output: unknown, context: unknown): unknown {
  if (path === undefined || path === '$') return output;
  if (path === null) return {};
  return requirePath(path, output, context, 'OutputPath');
}

/**
 * A state's effective input: `InputPath`, then `Parameters` (AWS's order).
 *
 * @example
 * ```ts
 * effectiveInput({ InputPath: '$.a', Parameters: { 'x.$': '$.b' } }, { a: { b: 2 } }, env); // { x: 2 }
 * ```
 */
export function effectiveInput(state: IoFields, input: unknown, env: EvalEnv): unknown {
  const selected = applyInputPath(state.InputPath, input, env.context);
  return state.Parameters === undefined ? selected : evaluateTemplate(state.Parameters, selected, env);
}

/**
 * A state's output from its raw input and its result: `ResultSelector`, `ResultPath` (into
 * the raw input), then `OutputPath`; and the next state.
 *
 * @example
 * ```ts
 * finishState({ ResultPath: '$.r', Next: 'B' }, { a: 1 }, 2, env); // { output: { a: 1, r: 2 }, next: 'B' }
 * ```
 */
export function finishState(state: IoFields, input: unknown, result: unknown, env: EvalEnv): StateOutcome {
  const selected =
    state.ResultSelector === undefined ? result : evaluateTemplate(state.ResultSelector, result, env);
  const combined = applyResultPath(input, selected, state.ResultPath);
  return { output: applyOutputPath(state.OutputPath, combined, env.context), next: state.Next };
}
