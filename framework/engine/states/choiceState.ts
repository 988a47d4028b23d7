import type { ChoiceState } from '../asl.js';
import { evaluateRule } from '../choice.js';
import { StatesError } from '../errors.js';
import { applyInputPath, applyOutputPath, type StateOutcome } from '../stateIo.js';

/**
 * A Choice state: the first rule that matches the effective input picks `Next`, else
 * `Default`, else the state fails with `States.NoChoiceMatched`. The output is the input
 * (through InputPath and OutputPath).
 *
 * @example
 * ```ts
 * runChoiceState(state, { n: 3 }, context).next; // the Next of the first matching rule
 * ```
 */
export function runChoiceState(
  name: string,
  state: ChoiceState,
  input: unknown,
  context: unknown,
): StateOutcome {
  const data = applyInputPath(state.InputPath, input, context);
  const rule = state.Choices.find((r) => evaluateRule(r, data, context));
  const next = rule?.Next ?? state.Default;
  if (next === undefined) {
    throw new StatesError(
      'States.NoChoiceMatched',
      `No Choice rule of state '${name}' matched the input, and there is no Default.`,
    );
  }
  return { output: applyOutputPath(state.OutputPath, data, context), next };
}
