import { DefinitionError } from '../errors.js';

/**
 * One token of an intrinsic function call such as `States.Format('{}', $.a)`.
 *
 * @example
 * ```ts
 * const token: Token = { kind: 'number', value: 1, at: 0 };
 * ```
 */
export type Token =
  | { readonly kind: 'name'; readonly text: string; readonly at: number }
  | { readonly kind: '(' | ')' | ','; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly raw: string; readonly at: number }
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'literal'; readonly value: boolean | null; readonly at: number }
  | { readonly kind: 'path'; readonly text: string; readonly at: number };

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][\w.]*/;
const LITERALS: Record<string, boolean | null> = { true: true, false: false, null: null };

function fail(source: string, at: number, what: string): never {
  throw new DefinitionError(`Invalid intrinsic function call "${source}" at character ${at}: ${what}.`);
}

/**
 * Reads a quoted string starting at `start` (the opening quote). The escapes `\'`, `\{`,
 * `\}` and `\\` are the only ones allowed; `raw` keeps them (States.Format needs to tell an
 * escaped brace from a placeholder), `value` resolves them.
 */
function readString(source: string, start: number): { token: Token; end: number } {
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === "'")
      return { token: { kind: 'string', value, raw: source.slice(start + 1, i), at: start }, end: i + 1 };
    if (c === '\\') {
      const next = source[i + 1];
      if (next !== "'" && next !== '{' && next !== '}' && next !== '\\') fail(source, i, 'open escape "\\"');
      value += next;
      i += 2;
    } else {
      value += c;
      i += 1;
    }
  }
  return fail(source, start, 'unterminated string');
}

/** Reads a JSONPath argument: up to the next `,` or `)` outside brackets, parentheses and quotes. */
function readPath(source: string, start: number): { token: Token; end: number } {
  let depth = 0;
  let quote: string | undefined;
  let i = start;
  for (; i < source.length; i++) {
    const c = source[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if ((c === ']' || c === ')') && depth > 0) depth--;
    else if ((c === ',' || c === ')') && depth === 0) break;
  }
  return { token: { kind: 'path', text: source.slice(start, i).trim(), at: start }, end: i };
}

/**
 * Splits an intrinsic function call into tokens: names, parentheses, commas, quoted strings,
 * numbers, `true`/`false`/`null` and JSONPath arguments.
 *
 * @example
 * ```ts
 * tokenize("States.Array(1, 'a', $.b)").map((t) => t.kind);
 * // ['name', '(', 'number', ',', 'string', ',', 'path', ')']
 * ```
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === "'") {
      const { token, end } = readString(source, i);
      tokens.push(token);
      i = end;
    } else if (c === '$') {
      const { token, end } = readPath(source, i);
      tokens.push(token);
      i = end;
    } else {
      const rest = source.slice(i);
      const number = NUMBER.exec(rest);
      const name = NAME.exec(rest);
      if (number) {
        tokens.push({ kind: 'number', value: Number(number[0]), at: i });
        i += number[0].length;
      } else if (name && Object.hasOwn(LITERALS, name[0])) {
        tokens.push({ kind: 'literal', value: LITERALS[name[0]] as boolean | null, at: i });
        i += name[0].length;
      } else if (name) {
        tokens.push({ kind: 'name', text: name[0], at: i });
        i += name[0].length;
      } else {
        fail(source, i, `unexpected character "${c}"`);
      }
    }
  }
  return tokens;
}
