import { DefinitionError, StatesError } from './errors.js';
import { evaluateIntrinsic } from './intrinsics/evaluate.js';
import { isIntrinsic, parseIntrinsic } from './intrinsics/parser.js';
import type { IntrinsicEnv } from './intrinsics/support.js';
import { compilePath, MISSING, readPath } from './paths.js';
import { truncate } from './resultPath.js';

/**
 * What a payload template is evaluated with: the context object (`$$`) and intrinsic deps.
 *
 * @example
 * ```ts
 * const env: EvalEnv = { context: {}, random: Math.random, limits: DEFAULT_LIMITS };
 * ```
 */
export interface EvalEnv extends IntrinsicEnv {
  readonly context: unknown;
}

type Compiled = (data: unknown, env: EvalEnv) => unknown;

const cache = new WeakMap<object, Compiled>();
const constant = (value: unknown): Compiled & { constant: true } =>
  Object.assign(() => value, { constant: true as const });
const isConstant = (fn: Compiled): boolean => (fn as { constant?: boolean }).constant === true;

function dynamicField(key: string, expr: unknown): Compiled {
  if (typeof expr !== 'string') {
    throw new DefinitionError(
      `The field "${key}" ends in ".$", so its value must be a path or an intrinsic function.`,
    );
  }
  if (isIntrinsic(expr)) {
    const call = parseIntrinsic(expr);
    return (data, env) => evaluateIntrinsic(call, data, env.context, env);
  }
  compilePath(expr);
  return (data, env) => {
    const value = readPath(expr, data, env.context);
    if (value === MISSING) {
      const source = expr.startsWith('$$') ? env.context : data;
      throw new StatesError(
        'States.Runtime',
        `The JSONPath '${expr}' specified for the field '${key}' could not be found in the input '${truncate(JSON.stringify(source))}'`,
      );
    }
    return value;
  };
}

function compileObject(template: Record<string, unknown>): Compiled {
  const fields: [string, Compiled][] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(template)) {
    const dynamic = key.endsWith('.$');
    const name = dynamic ? key.slice(0, -2) : key;
    if (seen.has(name)) throw new DefinitionError(`The field "${name}" appears twice in a payload template.`);
    seen.add(name);
    fields.push([name, dynamic ? dynamicField(key, value) : compileTemplate(value)]);
  }
  if (fields.every(([, fn]) => isConstant(fn))) return constant(template);
  return (data, env) => {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of fields) out[name] = fn(data, env);
    return out;
  };
}

/**
 * Compiles (once, cached by object identity) a Payload Template: `Parameters`, `ItemSelector`,
 * `ResultSelector`, `BatchInput`, `ItemReader.Parameters`, `ResultWriter.Parameters`. Fields
 * ending in `.$` take a path (`$…`, `$$…`) or an intrinsic function; the rest is copied. Parts
 * without `.$` fields are returned as they are, not copied.
 *
 * @example
 * ```ts
 * compileTemplate({ 'id.$': '$.a', fixed: 1 })({ a: 7 }, env); // { id: 7, fixed: 1 }
 * ```
 */
export function compileTemplate(template: unknown): Compiled {
  if (template === null || typeof template !== 'object') return constant(template);
  const hit = cache.get(template);
  if (hit) return hit;
  let compiled: Compiled;
  if (Array.isArray(template)) {
    const items = template.map(compileTemplate);
    compiled = items.every(isConstant) ? constant(template) : (data, env) => items.map((fn) => fn(data, env));
  } else {
    compiled = compileObject(template as Record<string, unknown>);
  }
  cache.set(template, compiled);
  return compiled;
}

/**
 * Evaluates a Payload Template against the state's data.
 *
 * @example
 * ```ts
 * evaluateTemplate({ 'n.$': 'States.MathAdd($.a, 1)' }, { a: 1 }, env); // { n: 2 }
 * ```
 */
export function evaluateTemplate(template: unknown, data: unknown, env: EvalEnv): unknown {
  return compileTemplate(template)(data, env);
}
