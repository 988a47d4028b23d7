import type { ChoiceRule } from './asl.js';
import { parseTimestamp } from './choice.js';
import { checkFields } from './fields.js';
import { compilePath } from './paths.js';
import type { FieldCheck } from './validateMap.js';

type Fail = (what: string) => never;

const COMPARISONS = ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals'];
const TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

/** Every comparison operator of the language, with the type its literal operand must have. */
const OPERATORS: ReadonlyMap<string, 'string' | 'number' | 'boolean' | 'timestamp' | 'path'> = new Map([
  ...['String', 'Numeric', 'Timestamp'].flatMap((kind) =>
    COMPARISONS.flatMap((c) => [
      [`${kind}${c}`, kind === 'String' ? 'string' : kind === 'Numeric' ? 'number' : 'timestamp'] as const,
      [`${kind}${c}Path`, 'path'] as const,
    ]),
  ),
  ['BooleanEquals', 'boolean'],
  ['BooleanEqualsPath', 'path'],
  ['StringMatches', 'string'],
  ...TESTS.map((t) => [t, 'boolean'] as const),
]);

const BOOLEAN = ['And', 'Or', 'Not'];

function checkOperand(op: string, value: unknown, fail: Fail, field: FieldCheck): void {
  const kind = OPERATORS.get(op);
  if (kind === 'path') {
    if (typeof value !== 'string') fail(`"${op}" takes a path`);
    field(fail, op, () => compilePath(value as string));
  } else if (kind === 'timestamp') {
    if (parseTimestamp(value) === undefined)
      fail(`"${op}" takes an RFC 3339 timestamp such as 2016-03-14T01:59:00Z`);
  } else if (typeof value !== kind) {
    fail(`"${op}" takes a ${kind}, not ${JSON.stringify(value)}`);
  }
}

/**
 * Checks a Choice rule: a top-level rule has `Next`; a nested one (under And, Or, Not) has
 * none; each rule is exactly one of `And` / `Or` (non-empty arrays), `Not` (a rule), or
 * `Variable` with one comparison operator whose operand has the operator's type.
 *
 * @example
 * ```ts
 * checkRule({ Variable: '$.n', NumericEquals: '1', Next: 'A' }, fail, field, true, names); // fails: takes a number
 * ```
 */
export function checkRule(
  rule: ChoiceRule,
  fail: Fail,
  field: FieldCheck,
  top: boolean,
  names: ReadonlySet<string>,
): void {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule))
    fail('a Choice rule must be an object');
  const allowed = ['Variable', 'Comment', ...BOOLEAN, ...OPERATORS.keys(), ...(top ? ['Next'] : [])];
  const where = top ? 'a Choice rule' : 'a nested Choice rule (under And, Or or Not)';
  if (!top && 'Next' in rule) fail(`${where} cannot have "Next"; only the rules in "Choices" can`);
  const shown = `Variable, ${top ? 'Next, ' : ''}Comment, And, Or, Not and the comparison operators (StringEquals, NumericLessThanPath, IsPresent, ...)`;
  checkFields(rule, allowed, where, fail, shown);
  if (top && (typeof rule.Next !== 'string' || !names.has(rule.Next))) {
    fail(`a Choice rule has Next "${String(rule.Next)}", which is not a state in this scope`);
  }
  const ops = Object.keys(rule).filter((k) => k !== 'Variable' && k !== 'Comment' && k !== 'Next');
  if (ops.length !== 1) {
    fail(
      `${where} needs exactly one of And, Or, Not or a comparison operator, found ${ops.join(', ') || 'none'}`,
    );
  }
  const op = ops[0] as string;
  if (BOOLEAN.includes(op)) {
    if ('Variable' in rule) fail(`${where} with "${op}" cannot have "Variable"`);
    if (op === 'Not') {
      checkRule(rule.Not as ChoiceRule, fail, field, false, names);
      return;
    }
    const list = rule[op];
    if (!Array.isArray(list) || list.length === 0) fail(`"${op}" must be a non-empty array of rules`);
    for (const r of list as ChoiceRule[]) checkRule(r, fail, field, false, names);
    return;
  }
  if (typeof rule.Variable !== 'string') fail(`${where} with "${op}" needs a "Variable" path`);
  field(fail, 'Variable', () => compilePath(rule.Variable as string));
  checkOperand(op, rule[op], fail, field);
}
