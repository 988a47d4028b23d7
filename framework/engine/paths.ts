import { JSONPath } from 'jsonpath-plus';
import { DefinitionError, StatesError } from './errors.js';

/**
 * What {@link readPath} returns when a path selects nothing.
 *
 * @example
 * ```ts
 * if (readPath('$.a', data, ctx) === MISSING) fail();
 * ```
 */
export const MISSING: unique symbol = Symbol('MISSING');

interface CompiledPath {
  readonly expr: string;
  /** `$$…`: reads the context object. */
  readonly context: boolean;
  /** Property names / indices when the path is a plain Reference Path, else undefined. */
  readonly segments: readonly string[] | undefined;
  /** Whether the path can select several nodes (wildcards, filters, slices, unions, `..`). */
  readonly indefinite: boolean;
  /** The expression rooted at `$`, for jsonpath-plus. */
  readonly jsonPath: string;
}

const cache = new Map<string, CompiledPath>();
const INDEFINITE = /^(\*|\.\.)$|^[?(]|[:,]/;
/** `$` (the state's data) or `$$` (the context object), then `.`, `[` or the end. */
const ROOT = /^\$\$?(?=[.[]|$)/;
/** `$name…`: a workflow variable reference, as AWS reads it. */
const VARIABLE = /^\$([A-Za-z_][\w]*)/;

function notAPath(expr: unknown): DefinitionError {
  const text = typeof expr === 'string' ? expr : JSON.stringify(expr);
  const variable = typeof expr === 'string' ? VARIABLE.exec(expr) : null;
  if (variable) {
    const rest = (expr as string).slice(variable[0].length);
    return new DefinitionError(
      `"${text}" refers to the workflow variable "$${variable[1]}", and workflow variables (Assign) are not supported by the embedded engine; carry the value in the state input and read it with "$.${variable[1]}${rest}"`,
    );
  }
  return new DefinitionError(
    `"${text}" is not a JSONPath: a path starts with "$" (the state's data) or "$$" (the context object), followed by ".", "[" or nothing`,
  );
}

/**
 * Parses (with jsonpath-plus) and caches a JSONPath. Throws {@link DefinitionError} unless
 * the expression starts with exactly `$` or `$$` followed by `.`, `[` or its end: `$name`
 * (a workflow variable on AWS) is refused rather than read as `$`.
 *
 * @example
 * ```ts
 * compilePath('$.a.b[0]').segments; // ['a', 'b', '0']
 * compilePath('$myVar.b'); // throws DefinitionError: workflow variables are not supported
 * ```
 */
export function compilePath(expr: string): CompiledPath {
  const hit = cache.get(expr);
  if (hit) return hit;
  if (typeof expr !== 'string' || !ROOT.test(expr)) throw notAPath(expr);
  const context = expr.startsWith('$$');
  const jsonPath = context ? expr.slice(1) : expr;
  let parts: string[];
  try {
    parts = JSONPath.toPathArray(jsonPath).slice(1);
  } catch (cause) {
    throw new DefinitionError(`"${expr}" is not a valid JSONPath: ${(cause as Error).message}`, { cause });
  }
  const indefinite = parts.some((p) => INDEFINITE.test(p));
  const simple = parts.every((p) => !/^[-?(@*.]|[:,]/.test(p) && !p.startsWith('^') && !p.startsWith('~'));
  const compiled = { expr, context, segments: simple ? parts : undefined, indefinite, jsonPath };
  cache.set(expr, compiled);
  return compiled;
}

/**
 * Whether `expr` is a Reference Path: one that names a single node (`$.a.b[0]`), as
 * `ResultPath` and the `*Path` fields require.
 *
 * @example
 * ```ts
 * isReferencePath('$.a[*]'); // false
 * ```
 */
export function isReferencePath(expr: string): boolean {
  return compilePath(expr).segments !== undefined;
}

function walk(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const seg of segments) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(seg)) return MISSING;
      const i = Number(seg);
      if (i >= node.length) return MISSING;
      node = node[i];
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, seg)) {
      node = (node as Record<string, unknown>)[seg];
    } else {
      return MISSING;
    }
  }
  return node;
}

/**
 * Evaluates a path against the state's data (`$…`) or the context object (`$$…`). A path that
 * can select several nodes returns the array of matches; a definite path that selects nothing
 * returns {@link MISSING}.
 *
 * @example
 * ```ts
 * readPath('$.a[1]', { a: [1, 2] }, {}); // 2
 * ```
 */
export function readPath(expr: string, data: unknown, context: unknown): unknown {
  const path = compilePath(expr);
  const root = path.context ? context : data;
  if (path.segments) return walk(root, path.segments);
  if (root === null || typeof root !== 'object') return path.indefinite ? [] : MISSING;
  const found = JSONPath({ path: path.jsonPath, json: root as object, wrap: true }) as unknown[];
  if (path.indefinite) return found;
  return found.length === 0 ? MISSING : found[0];
}

/**
 * Like {@link readPath}, but a path that selects nothing fails the state with `States.Runtime`,
 * the error AWS reports for `InputPath`, `OutputPath`, `ItemsPath` and `*Path` fields.
 *
 * @example
 * ```ts
 * requirePath('$.missing', {}, {}, 'InputPath'); // throws States.Runtime
 * ```
 */
export function requirePath(expr: string, data: unknown, context: unknown, field: string): unknown {
  const value = readPath(expr, data, context);
  if (value === MISSING) {
    throw new StatesError(
      'States.Runtime',
      `Invalid path '${expr}' for the field '${field}': no results for the path.`,
    );
  }
  return value;
}
