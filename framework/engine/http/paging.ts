import { ApiError } from './errors.js';

interface Token {
  /** What was listed: a token is only good for the same query. */
  readonly q: string;
  /** The key of the last item of the previous page. */
  readonly after: string;
}

function decode(token: string, query: string): Token {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const t = parsed as Partial<Token> | undefined;
  if (typeof t?.after !== 'string' || t.q !== query) {
    throw new ApiError('InvalidToken', `Invalid Token: '${token}'; list again without nextToken.`);
  }
  return t as Token;
}

/**
 * One page of a listing: `size` items after the item the `nextToken` names, and the token of
 * the next page when there is one. Tokens name the last item rather than an offset, so items
 * added at the head meanwhile (a new execution) neither repeat nor skip entries. A token of
 * another query, or whose item is gone, is `InvalidToken`.
 *
 * @example
 * ```ts
 * const { items, nextToken } = page(executions, (e) => e.executionArn, 100, input.nextToken, arn);
 * ```
 */
export function page<T>(
  all: readonly T[],
  key: (item: T) => string,
  size: number,
  nextToken: string | undefined,
  query: string,
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined && nextToken !== '') {
    const { after } = decode(nextToken, query);
    const at = all.findIndex((item) => key(item) === after);
    if (at < 0) {
      throw new ApiError(
        'InvalidToken',
        `Invalid Token: the page's last item is gone; list again without nextToken.`,
      );
    }
    start = at + 1;
  }
  const items = all.slice(start, start + size);
  const last = items.at(-1);
  if (start + size >= all.length || last === undefined) return { items };
  const token: Token = { q: query, after: key(last) };
  return { items, nextToken: Buffer.from(JSON.stringify(token)).toString('base64url') };
}
