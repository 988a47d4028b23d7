import type { Catcher, ChoiceRule, MapState, Retrier, StateMachineDefinition } from './asl.js';
import { DefinitionError } from './errors.js';
import { checkExclusive, checkFields, checkStateFields } from './fields.js';
import { isIntrinsic, parseIntrinsic } from './intrinsics/parser.js';
import { compilePath, isReferencePath } from './paths.js';
import { isSupportedResource } from './states/lambda.js';
import { compileTemplate } from './template.js';
import { checkRule } from './validateChoice.js';
import { checkMap } from './validateMap.js';

type Fail = (what: string) => never;
type Obj = Record<string, unknown>;

const TYPES = new Set(['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);
const TERMINAL_TYPES = new Set(['Choice', 'Succeed', 'Fail']);
const TEMPLATE_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector'];
const PATH_FIELDS = [
  'InputPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
];
const RETRIER_FIELDS = [
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
];
const CATCHER_FIELDS = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];

/** Runs `check`, turning a DefinitionError from a deeper module into one that names the field. */
function field(fail: Fail, name: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof DefinitionError) fail(`field "${name}": ${error.message}`);
    throw error;
  }
}

/** A ResultPath writes into the state's data: a Reference Path rooted at `$`, never `$$`. */
function checkResultPath(name: string, path: string, fail: Fail): void {
  field(fail, name, () => compilePath(path));
  if (!isReferencePath(path)) fail(`"${name}" must be a Reference Path (one node, such as $.a.b)`);
  if (compilePath(path).context) fail(`"${name}" cannot write to the context object ($$)`);
}

function checkHandlers(list: unknown, kind: 'Retry' | 'Catch', names: Set<string>, fail: Fail): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) fail(`"${kind}" must be an array`);
  list.forEach((entry: Retrier | Catcher, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      fail(`${kind}[${i}] must be an object`);
    checkFields(
      entry as unknown as Obj,
      kind === 'Retry' ? RETRIER_FIELDS : CATCHER_FIELDS,
      kind === 'Retry' ? 'a retrier' : 'a catcher',
      (what) => fail(`${kind}[${i}]: ${what}`),
    );
    if (!Array.isArray(entry?.ErrorEquals) || entry.ErrorEquals.length === 0) {
      fail(`${kind}[${i}] needs a non-empty "ErrorEquals" array`);
    }
    if (entry.ErrorEquals.includes('States.ALL') && (entry.ErrorEquals.length > 1 || i !== list.length - 1)) {
      fail(
        `${kind}[${i}]: "States.ALL" must appear alone, in the last ${kind === 'Retry' ? 'retrier' : 'catcher'}`,
      );
    }
    if (kind === 'Catch') {
      const next = (entry as Catcher).Next;
      if (!names.has(next)) fail(`Catch[${i}] has Next "${next}", which is not a state in this scope`);
      const resultPath = (entry as Catcher).ResultPath;
      if (typeof resultPath === 'string') checkResultPath(`Catch[${i}].ResultPath`, resultPath, fail);
    } else {
      const attempts = (entry as Retrier).MaxAttempts;
      if (attempts !== undefined && !(attempts >= 0)) fail(`Retry[${i}].MaxAttempts must be 0 or more`);
    }
  });
}

/**
 * Checks one state of a machine whose state names are `names`; `check` validates nested machines.
 *
 * @example
 * ```ts
 * validateState('A', { Type: 'Pass', End: true }, new Set(['A']), '', validateMachine);
 * ```
 */
export function validateState(
  name: string,
  state: Obj,
  names: Set<string>,
  where: string,
  check: (definition: unknown, where: string) => void,
): void {
  const fail: Fail = (what) => {
    throw new DefinitionError(`Invalid state machine definition: state "${name}"${where}: ${what}.`);
  };
  if (state === null || typeof state !== 'object' || !TYPES.has(state.Type as string)) {
    fail(`"Type" must be one of ${[...TYPES].join(', ')}`);
  }
  checkStateFields(state, fail);
  checkExclusive(state, fail);
  const type = state.Type as string;
  if (!TERMINAL_TYPES.has(type)) {
    if ((state.End === true) === (typeof state.Next === 'string')) fail('needs either "Next" or "End": true');
    if (typeof state.Next === 'string' && !names.has(state.Next)) {
      fail(`has Next "${state.Next}", which is not a state in this scope`);
    }
  }
  for (const f of PATH_FIELDS)
    if (typeof state[f] === 'string') field(fail, f, () => compilePath(state[f] as string));
  for (const f of TEMPLATE_FIELDS) field(fail, f, () => compileTemplate(state[f]));
  if (typeof state.ResultPath === 'string') checkResultPath('ResultPath', state.ResultPath, fail);
  checkHandlers(state.Retry, 'Retry', names, fail);
  checkHandlers(state.Catch, 'Catch', names, fail);
  if (type === 'Task' && !isSupportedResource(state.Resource)) {
    fail(
      `Resource "${String(state.Resource)}" is not supported by the embedded engine; use "arn:aws:states:::lambda:invoke" or a Lambda function ARN`,
    );
  }
  if (type === 'Choice') {
    if (!Array.isArray(state.Choices) || state.Choices.length === 0)
      fail('"Choices" must be a non-empty array');
    for (const rule of state.Choices as ChoiceRule[]) checkRule(rule, fail, field, true, names);
    if (state.Default !== undefined && !names.has(state.Default as string)) {
      fail(`has Default "${String(state.Default)}", which is not a state in this scope`);
    }
  }
  if (
    type === 'Wait' &&
    ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter((f) => f in state).length !== 1
  ) {
    fail('a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath');
  }
  for (const f of ['ErrorPath', 'CausePath']) {
    const v = state[f];
    if (typeof v === 'string') field(fail, f, () => (isIntrinsic(v) ? parseIntrinsic(v) : compilePath(v)));
  }
  if (type === 'Parallel') {
    if (!Array.isArray(state.Branches) || state.Branches.length === 0)
      fail('"Branches" must be a non-empty array');
    for (const [i, b] of (state.Branches as StateMachineDefinition[]).entries()) {
      check(b, ` in Branches[${i}] of state "${name}"`);
    }
  }
  if (type === 'Map') checkMap(state as unknown as MapState, name, fail, field, check);
}
