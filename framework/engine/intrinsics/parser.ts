import { DefinitionError } from '../errors.js';
import { compilePath } from '../paths.js';
import { INTRINSICS } from './functions.js';
import { type Token, tokenize } from './tokenizer.js';

/**
 * An argument of an intrinsic call.
 *
 * @example
 * ```ts
 * const arg: IntrinsicArg = { kind: 'path', path: '$.a' };
 * ```
 */
export type IntrinsicArg =
  | { readonly kind: 'literal'; readonly value: unknown; readonly raw?: string }
  | { readonly kind: 'path'; readonly path: string }
  | IntrinsicCall;

/**
 * A parsed intrinsic call: `States.Name(arg, …)`.
 *
 * @example
 * ```ts
 * const call: IntrinsicCall = parseIntrinsic('States.UUID()');
 * ```
 */
export interface IntrinsicCall {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly IntrinsicArg[];
}

const cache = new Map<string, IntrinsicCall>();

/**
 * Whether a `.$` value is an intrinsic call rather than a path.
 *
 * @example
 * ```ts
 * isIntrinsic('States.UUID()'); // true
 * ```
 */
export function isIntrinsic(text: string): boolean {
  return text.startsWith('States.');
}

class Parser {
  private i = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  private fail(what: string): never {
    const at = this.tokens[this.i]?.at ?? this.source.length;
    throw new DefinitionError(
      `Invalid intrinsic function call "${this.source}" at character ${at}: ${what}.`,
    );
  }

  private take(kind: Token['kind']): Token {
    const token = this.tokens[this.i];
    if (token?.kind !== kind) this.fail(`expected "${kind}"`);
    this.i++;
    return token;
  }

  call(depth: number): IntrinsicCall {
    if (depth > 10) this.fail('more than 10 nested intrinsic functions');
    const name = this.take('name');
    if (name.kind !== 'name' || !Object.hasOwn(INTRINSICS, name.text)) {
      this.fail(`unknown intrinsic function "${name.kind === 'name' ? name.text : ''}"`);
    }
    this.take('(');
    const args: IntrinsicArg[] = [];
    if (this.tokens[this.i]?.kind !== ')') {
      for (;;) {
        args.push(this.arg(depth));
        if (this.tokens[this.i]?.kind !== ',') break;
        this.i++;
      }
    }
    this.take(')');
    return { kind: 'call', name: name.text, args };
  }

  private arg(depth: number): IntrinsicArg {
    const token = this.tokens[this.i];
    switch (token?.kind) {
      case 'string':
        this.i++;
        return { kind: 'literal', value: token.value, raw: token.raw };
      case 'number':
      case 'literal':
        this.i++;
        return { kind: 'literal', value: token.value };
      case 'path':
        this.i++;
        compilePath(token.text);
        return { kind: 'path', path: token.text };
      case 'name':
        return this.call(depth + 1);
      default:
        return this.fail('expected an argument');
    }
  }

  end(): void {
    if (this.i !== this.tokens.length) this.fail('unexpected text after the call');
  }
}

/**
 * Parses (and caches) an intrinsic function call, checking the function names and paths.
 * Throws {@link DefinitionError} on bad syntax, so a definition fails when it is started.
 *
 * @example
 * ```ts
 * parseIntrinsic("States.Format('{}!', $.name)").args.length; // 2
 * ```
 */
export function parseIntrinsic(source: string): IntrinsicCall {
  const hit = cache.get(source);
  if (hit) return hit;
  const parser = new Parser(source, tokenize(source));
  const call = parser.call(1);
  parser.end();
  cache.set(source, call);
  return call;
}
