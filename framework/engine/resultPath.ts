import { StatesError } from './errors.js';
import { compilePath } from './paths.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function copy(node: unknown): Record<string, unknown> | unknown[] {
  return Array.isArray(node) ? node.slice() : { ...(node as Record<string, unknown>) };
}

/**
 * Applies a `ResultPath`: `null` keeps the input, `$` replaces it, `$.a.b` writes the result
 * at that place, creating missing objects on the way. The input is not mutated: only the
 * objects along the path are copied, so this costs O(depth), not O(size).
 *
 * An input (or a node on the way) that is not an object fails with
 * `States.ResultPathMatchFailure`, as AWS reports it.
 *
 * @example
 * ```ts
 * applyResultPath({ a: 1 }, 2, '$.b'); // { a: 1, b: 2 }
 * ```
 */
export function applyResultPath(
  input: unknown,
  result: unknown,
  resultPath: string | null | undefined,
): unknown {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result;
  const segments = compilePath(resultPath).segments ?? [];
  const fail = (): never => {
    throw new StatesError(
      'States.ResultPathMatchFailure',
      `Unable to apply ResultPath '${resultPath}' to input ${truncate(JSON.stringify(input))}: the path crosses a value that is not an object.`,
    );
  };
  if (!isObject(input) && !Array.isArray(input)) fail();
  const root = copy(input);
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    const last = i === segments.length - 1;
    if (Array.isArray(node)) {
      const index = Number(seg);
      if (!/^\d+$/.test(seg) || index >= node.length) fail();
      if (last) node[index] = result;
      else {
        const child = node[index];
        if (!isObject(child) && !Array.isArray(child)) fail();
        node[index] = copy(child);
        node = node[index] as Record<string, unknown> | unknown[];
      }
      continue;
    }
    if (last) {
      node[seg] = result;
    } else {
      const child = node[seg];
      const next = child === undefined ? {} : isObject(child) || Array.isArray(child) ? copy(child) : fail();
      node[seg] = next;
      node = next;
    }
  }
  return root;
}

/**
 * Shortens a text for an error message.
 *
 * @example
 * ```ts
 * truncate('x'.repeat(5000)).length; // 1003
 * ```
 */
export function truncate(text: string | undefined, max = 1000): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
