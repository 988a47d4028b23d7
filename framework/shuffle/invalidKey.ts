import { KEY_RULE } from './keyTags.js';

/** Path segments shown in full; a deeper path is shortened. */
const SHOWN_DEPTH = 8;

/**
 * What kind of value something is, for an error message that must not show its content:
 * `'a string'`, `'an array of 3 elements'`, `'an object (Date)'`, `'undefined'`, …
 *
 * @example
 * ```ts
 * kindOf({ email: 'a@b.c' }); // 'an object'
 * ```
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} element${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'object': {
      const name = constructorName(value);
      return name === undefined || name === 'Object' ? 'an object' : `an object (${name})`;
    }
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'function':
    case 'symbol':
      return `a ${typeof value}`;
    default:
      return 'a value of unknown type';
  }
}

/** The class of an object, which names code rather than data; undefined for a Proxy that throws. */
function constructorName(value: object): string | undefined {
  try {
    const name: unknown = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The message of an `InvalidKeyError`: what was wrong and where in the key (an array index
 * path), by kind and position only, never the key's content (messages reach execution payloads,
 * logs and `_SUCCESS`).
 *
 * @example
 * ```ts
 * invalidKeyMessage(['a', {}], 'an object is not a key type', [1]);
 * // 'invalid key (an array of 2 elements): an object is not a key type at [1]; a key must be …'
 * ```
 */
export function invalidKeyMessage(root: unknown, what: string, path: readonly number[] = []): string {
  if (path.length === 0) return `invalid key: ${what}; ${KEY_RULE}`;
  const shown = path
    .slice(0, SHOWN_DEPTH)
    .map((i) => `[${i}]`)
    .join('');
  const where = path.length > SHOWN_DEPTH ? `${shown}… (depth ${path.length})` : shown;
  return `invalid key (${kindOf(root)}): ${what} at ${where}; ${KEY_RULE}`;
}

/**
 * The index of the first lone surrogate in `s` (a UTF-16 code unit that is half of a pair
 * without its other half), or -1 when `s` is well-formed.
 *
 * @example
 * ```ts
 * loneSurrogateAt('ab\uD800c'); // 2
 * ```
 */
export function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}
