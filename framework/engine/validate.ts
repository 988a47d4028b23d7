import type { Catcher, ChoiceRule, MapState, Retrier, StateMachineDefinition } from './asl.js';
import { ruleOperator } from './choice.js';
import { DefinitionError } from './errors.js';
import { isIntrinsic, parseIntrinsic } from './intrinsics/parser.js';
import { compilePath, isReferencePath } from './paths.js';
import { isSupportedResource } from './states/lambda.js';
import { compileTemplate } from './template.js';

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
];

/** Runs `check`, turning a DefinitionError from a deeper module into one that names the field. */
function field(fail: Fail, name: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof DefinitionError) fail(`field "${name}": ${error.message}`);
    throw error;
  }
}

function checkHandlers(list: unknown, kind: 'Retry' | 'Catch', names: Set<string>, fail: Fail): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) fail(`"${kind}" must be an array`);
  list.forEach((entry: Retrier | Catcher, i) => {
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
      if (typeof resultPath === 'string' && !isReferencePath(resultPath))
        fail(`Catch[${i}].ResultPath must be a Reference Path`);
    } else {
      const attempts = (entry as Retrier).MaxAttempts;
      if (attempts !== undefined && !(attempts >= 0)) fail(`Retry[${i}].MaxAttempts must be 0 or more`);
    }
  });
}

function checkRule(rule: ChoiceRule, fail: Fail, top: boolean, names: Set<string>): void {
  if (top && (typeof rule.Next !== 'string' || !names.has(rule.Next))) {
    fail(`a Choice rule has Next "${String(rule.Next)}", which is not a state in this scope`);
  }
  if (rule.And || rule.Or) for (const r of rule.And ?? rule.Or ?? []) checkRule(r, fail, false, names);
  else if (rule.Not) checkRule(rule.Not, fail, false, names);
  else {
    const op = ruleOperator(rule);
    if (typeof rule.Variable !== 'string' || !op) fail(`a Choice rule needs "Variable" and one operator`);
    field(fail, 'Variable', () => compilePath(rule.Variable as string));
    if (op.endsWith('Path')) field(fail, op, () => compilePath(rule[op] as string));
  }
}

function checkMap(
  state: MapState,
  fail: Fail,
  check: (d: unknown, where: string) => void,
  name: string,
): void {
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!processor) fail('a Map state needs "ItemProcessor" (or "Iterator")');
  const distributed = processor.ProcessorConfig?.Mode === 'DISTRIBUTED';
  for (const f of ['ItemReader', 'ItemBatcher', 'ResultWriter'] as const) {
    if (state[f] && !distributed) fail(`"${f}" needs ItemProcessor.ProcessorConfig.Mode "DISTRIBUTED"`);
  }
  if (state.ItemReader && state.ItemReader.Resource !== 'arn:aws:states:::s3:getObject') {
    fail(
      `ItemReader.Resource "${state.ItemReader.Resource}" is not supported; use "arn:aws:states:::s3:getObject"`,
    );
  }
  const writer = state.ResultWriter;
  if (writer?.Resource !== undefined && writer.Resource !== 'arn:aws:states:::s3:putObject') {
    fail(`ResultWriter.Resource "${writer.Resource}" is not supported; use "arn:aws:states:::s3:putObject"`);
  }
  field(fail, 'ItemReader.Parameters', () => compileTemplate(state.ItemReader?.Parameters));
  field(fail, 'ItemBatcher.BatchInput', () => compileTemplate(state.ItemBatcher?.BatchInput));
  field(fail, 'ResultWriter.Parameters', () => compileTemplate(writer?.Parameters));
  check(processor, ` in the ItemProcessor of state "${name}"`);
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
  if (state.QueryLanguage === 'JSONata')
    fail('JSONata is not supported by the embedded engine; use JSONPath');
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
  if (typeof state.ResultPath === 'string' && !isReferencePath(state.ResultPath))
    fail('"ResultPath" must be a Reference Path');
  checkHandlers(state.Retry, 'Retry', names, fail);
  checkHandlers(state.Catch, 'Catch', names, fail);
  if (type === 'Task' && !isSupportedResource(state.Resource)) {
    fail(
      `Resource "${String(state.Resource)}" is not supported; use "arn:aws:states:::lambda:invoke" or a Lambda function ARN`,
    );
  }
  if (type === 'Choice') {
    if (!Array.isArray(state.Choices) || state.Choices.length === 0)
      fail('"Choices" must be a non-empty array');
    for (const rule of state.Choices as ChoiceRule[]) checkRule(rule, fail, true, names);
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
  if (type === 'Map') checkMap(state as unknown as MapState, fail, check, name);
}
