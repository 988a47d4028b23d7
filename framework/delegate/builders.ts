import { callAuthSchema, callUrl, delegateTaskSchema } from '../contract/delegate.js';
import { InvalidTaskError } from './errors.js';
import type { CallAuth, HttpTask, LambdaTask } from './types.js';

/**
 * Per-call options of an HTTP verb.
 *
 * @example
 * ```ts
 * scoring.resource('/score').post(record, { query: { model: 'v2' }, headers: { 'x-team': 'risk' } });
 * ```
 */
export interface CallOptions {
  /** Query parameters, appended to the URL (arrays repeat the name). */
  readonly query?: Readonly<
    Record<string, string | number | boolean | readonly (string | number | boolean)[]>
  >;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The HTTP verbs of one URL, each building an {@link HttpTask}.
 *
 * @example
 * ```ts
 * const users = gateway('https://api.example.com').resource('/users');
 * const task = users.get({ query: { page: 2 } });
 * ```
 */
export interface Resource {
  /** The absolute URL the verbs call (without the per-call query). */
  readonly url: string;
  get(options?: CallOptions): HttpTask;
  delete(options?: CallOptions): HttpTask;
  post(body?: unknown, options?: CallOptions): HttpTask;
  put(body?: unknown, options?: CallOptions): HttpTask;
  patch(body?: unknown, options?: CallOptions): HttpTask;
}

/**
 * An API (an API Gateway stage, or any HTTPS base URL) whose resources share one auth.
 *
 * @example
 * ```ts
 * const api: Gateway = gateway('https://abc123.execute-api.us-east-1.amazonaws.com/prod');
 * api.resource('/score').post({ id: 1 });
 * ```
 */
export interface Gateway {
  readonly baseUrl: string;
  /** The resource at `path` under the base URL (`'/score'`, `'/users/42'`). */
  resource(path: string): Resource;
}

/**
 * Options of {@link gateway} and {@link http}.
 *
 * @example
 * ```ts
 * gateway(url, { auth: { type: 'apiKey', ssmParameter: '/scoring/key' }, headers: { 'x-team': 'risk' } });
 * ```
 */
export interface EndpointOptions {
  /** How calls authenticate: `'none'`, `'iam'` (SigV4) or a full {@link CallAuth}. @default 'none' */
  readonly auth?: CallAuth | 'none' | 'iam';
  /** Headers sent with every call (per-call headers override them). */
  readonly headers?: Readonly<Record<string, string>>;
}

function checkUrl(url: string, what: string): string {
  const parsed = callUrl.safeParse(url);
  if (!parsed.success) {
    throw new InvalidTaskError(
      `${what} ${JSON.stringify(url)} is not callable: ${parsed.error.issues.map((i) => i.message).join('; ')}. Give an absolute https:// (or http://) URL.`,
    );
  }
  return url;
}

function toAuth(auth: EndpointOptions['auth']): CallAuth | undefined {
  if (auth === undefined || auth === 'none') return undefined;
  const full: CallAuth = auth === 'iam' ? { type: 'iam' } : auth;
  const parsed = callAuthSchema.safeParse(full);
  if (!parsed.success) {
    throw new InvalidTaskError(
      `auth ${JSON.stringify(full)} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'auth'} ${i.message}`).join('; ')}.`,
    );
  }
  return full;
}

function withQuery(url: string, query: CallOptions['query']): string {
  if (query === undefined) return url;
  const u = new URL(url);
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(name, String(v));
  }
  return u.toString();
}

function resourceAt(url: string, auth: CallAuth | undefined, common: EndpointOptions['headers']): Resource {
  const task = (method: HttpTask['method'], body: unknown, options: CallOptions = {}): HttpTask => {
    const headers = { ...common, ...options.headers };
    const built: HttpTask = {
      kind: 'http',
      method,
      url: withQuery(url, options.query),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(auth !== undefined ? { auth } : {}),
    };
    const parsed = delegateTaskSchema.safeParse(built);
    if (!parsed.success) {
      throw new InvalidTaskError(
        `${method} ${url}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}.`,
      );
    }
    return built;
  };
  return {
    url,
    get: (options) => task('GET', undefined, options),
    delete: (options) => task('DELETE', undefined, options),
    post: (body, options) => task('POST', body, options),
    put: (body, options) => task('PUT', body, options),
    patch: (body, options) => task('PATCH', body, options),
  };
}

/**
 * An API Gateway stage (or any base URL) whose resources build HTTP tasks. Calls are made by
 * `delegate()` or a job's delegate stage, never by the builder.
 *
 * @example
 * ```ts
 * const scoring = gateway('https://abc123.execute-api.us-east-1.amazonaws.com/prod', { auth: 'iam' });
 * const task = scoring.resource('/score').post({ id: 7 }, { query: { model: 'v2' } });
 * ```
 */
export function gateway(baseUrl: string, options: EndpointOptions = {}): Gateway {
  checkUrl(baseUrl, 'Base URL');
  const auth = toAuth(options.auth);
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    resource(path: string) {
      if (!path.startsWith('/') || path.startsWith('//') || path.split(/[/?#]/).some((s) => s === '..')) {
        throw new InvalidTaskError(
          `Resource path ${JSON.stringify(path)} of ${base} must start with a single '/' and hold no '..' segment (for example '/score').`,
        );
      }
      if (/[?#]/.test(path)) {
        throw new InvalidTaskError(
          `Resource path ${JSON.stringify(path)} holds a query or fragment: pass query parameters as { query } to the verb.`,
        );
      }
      return resourceAt(checkUrl(`${base}${path}`, 'Resource URL'), auth, options.headers);
    },
  };
}

/**
 * One HTTP(S) endpoint, called with any verb.
 *
 * @example
 * ```ts
 * const task = http('https://api.example.com/v1/enrich').post(record, { headers: { 'x-team': 'risk' } });
 * ```
 */
export function http(url: string, options: EndpointOptions = {}): Resource {
  return resourceAt(checkUrl(url, 'URL'), toAuth(options.auth), options.headers);
}

/**
 * A Lambda function whose invocations build Lambda tasks.
 *
 * @example
 * ```ts
 * const enrich: LambdaFunction = lambda('enrich');
 * const tasks = records.map((r) => enrich.invoke(r));
 * ```
 */
export interface LambdaFunction {
  readonly functionName: string;
  /** One synchronous invocation (`RequestResponse`) with `payload` as its event. */
  invoke(payload?: unknown): LambdaTask;
}

/**
 * A Lambda function, by name, ARN or partial ARN (a `:qualifier` may follow).
 *
 * @example
 * ```ts
 * const task = lambda('enrich-record:live').invoke({ id: 7 });
 * ```
 */
export function lambda(functionName: string): LambdaFunction {
  const parsed = delegateTaskSchema.safeParse({ kind: 'lambda', functionName });
  if (!parsed.success) {
    throw new InvalidTaskError(
      `Lambda function ${JSON.stringify(functionName)} is not a function name, ARN or partial ARN (letters, digits, '-' and '_', up to 140, optionally ':qualifier').`,
    );
  }
  return {
    functionName,
    invoke: (payload) => ({ kind: 'lambda', functionName, ...(payload !== undefined ? { payload } : {}) }),
  };
}
