import type { ChoiceRule } from './asl.js';
import { DefinitionError, StatesError } from './errors.js';
import { MISSING, readPath } from './paths.js';

type Kind = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';
type Compare = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch milliseconds of an RFC 3339 timestamp such as `2016-03-14T01:59:00Z` (uppercase `T`,
 * a `Z` or an offset), or undefined when the value is not one.
 *
 * @example
 * ```ts
 * parseTimestamp('2016-03-14T01:59:00Z'); // 1457920740000
 * ```
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal. */
function stringMatches(value: string, pattern: string): boolean {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      regex += `\\${pattern[i + 1]}`;
      i++;
    } else if (c === '*') regex += '.*';
    else regex += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`, 's').test(value);
}

function typed(kind: Kind, v: unknown): string | number | boolean | undefined {
  if (kind === 'String') return typeof v === 'string' ? v : undefined;
  if (kind === 'Numeric') return typeof v === 'number' ? v : undefined;
  if (kind === 'Boolean') return typeof v === 'boolean' ? v : undefined;
  return parseTimestamp(v);
}

function compare(kind: Kind, op: Compare, a: unknown, b: unknown): boolean {
  const x = typed(kind, a);
  const y = typed(kind, b);
  if (x === undefined || y === undefined) return false;
  if (op === 'Equals') return x === y;
  if (kind === 'Boolean') return false;
  if (op === 'LessThan') return x < y;
  if (op === 'GreaterThan') return x > y;
  if (op === 'LessThanEquals') return x <= y;
  return x >= y;
}

const OPERATOR =
  /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)(Path)?$/;

function evaluateTest(
  op: string,
  operand: unknown,
  value: unknown,
  input: unknown,
  context: unknown,
): boolean {
  switch (op) {
    case 'IsPresent':
      return (value !== MISSING) === operand;
    case 'IsNull':
      return (value === null) === operand;
    case 'IsString':
      return (typeof value === 'string') === operand;
    case 'IsNumeric':
      return (typeof value === 'number') === operand;
    case 'IsBoolean':
      return (typeof value === 'boolean') === operand;
    case 'IsTimestamp':
      return (parseTimestamp(value) !== undefined) === operand;
    case 'StringMatches':
      return typeof value === 'string' && typeof operand === 'string' && stringMatches(value, operand);
  }
  const match = OPERATOR.exec(op);
  if (!match) throw new DefinitionError(`Unknown Choice operator "${op}".`);
  let other = operand;
  if (match[3]) {
    other = readPath(operand as string, input, context);
    if (other === MISSING) {
      throw new StatesError(
        'States.Runtime',
        `Invalid path '${String(operand)}' in the Choice rule field '${op}'.`,
      );
    }
  }
  return compare(match[1] as Kind, match[2] as Compare, value, other);
}

/**
 * The comparison operator of a rule (the one field besides `Variable` and `Next`).
 *
 * @example
 * ```ts
 * ruleOperator({ Variable: '$.a', NumericEquals: 1, Next: 'X' }); // 'NumericEquals'
 * ```
 */
export function ruleOperator(rule: ChoiceRule): string | undefined {
  return Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next' && k !== 'Comment');
}

/**
 * Evaluates a Choice rule (`And`, `Or`, `Not`, or `Variable` with one operator) against the
 * state's input. A `Variable` that selects nothing fails with `States.Runtime`, except for
 * `IsPresent`; an operand of the wrong type makes the comparison false.
 *
 * @example
 * ```ts
 * evaluateRule({ Variable: '$.n', NumericGreaterThan: 1 }, { n: 2 }, {}); // true
 * ```
 */
export function evaluateRule(rule: ChoiceRule, input: unknown, context: unknown): boolean {
  if (rule.And) return rule.And.every((r) => evaluateRule(r, input, context));
  if (rule.Or) return rule.Or.some((r) => evaluateRule(r, input, context));
  if (rule.Not) return !evaluateRule(rule.Not, input, context);
  const op = ruleOperator(rule);
  if (!op || typeof rule.Variable !== 'string') {
    throw new DefinitionError(`A Choice rule needs "Variable" and one operator: ${JSON.stringify(rule)}.`);
  }
  const value = readPath(rule.Variable, input, context);
  if (value === MISSING && op !== 'IsPresent') {
    throw new StatesError(
      'States.Runtime',
      `Invalid path '${rule.Variable}': The choice state's condition path references an invalid value.`,
    );
  }
  return evaluateTest(op, rule[op], value, input, context);
}
