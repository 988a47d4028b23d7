import type { DelegatesConfig } from './config.js';

type Json = Record<string, unknown>;

/** `https://abc123.execute-api.us-east-1.amazonaws.com/prod` → its API id, region and stage. */
const EXECUTE_API = /^https:\/\/([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\/([^/]+))?/;

/**
 * The `execute-api:Invoke` resources of the APIs a config names: every method and resource of
 * each API Gateway stage (`arn:…:execute-api:<region>:<account>:<api id>/<stage>/*`; a URL
 * without a path, as an HTTP API's `$default` stage has, gives every stage). URLs that are not
 * API Gateway's need no IAM permission, and get none.
 *
 * @example
 * ```ts
 * apiArns({ apis: ['https://abc123.execute-api.us-east-1.amazonaws.com/prod'] });
 * // [{ 'Fn::Sub': 'arn:${AWS::Partition}:execute-api:us-east-1:${AWS::AccountId}:abc123/prod/*' }]
 * ```
 */
export function apiArns(delegates: DelegatesConfig): Json[] {
  return (delegates.apis ?? []).flatMap((api) => {
    const m = EXECUTE_API.exec(api);
    if (!m) return [];
    // Without a path (an HTTP API's $default stage), any stage of the API.
    return [
      { 'Fn::Sub': `arn:\${AWS::Partition}:execute-api:${m[2]}:\${AWS::AccountId}:${m[1]}/${m[3] ?? '*'}/*` },
    ];
  });
}

/**
 * The `lambda:InvokeFunction` resources of the functions a config names: each function and its
 * versions and aliases (`<arn>:*`); a name is a function of the stack's account and region.
 *
 * @example
 * ```ts
 * functionArns({ functions: ['scorer'] }); // the ARN of scorer, and scorer:*
 * ```
 */
export function functionArns(delegates: DelegatesConfig): Json[] {
  return (delegates.functions ?? []).flatMap((fn) => {
    const base = fn.startsWith('arn:')
      ? fn.split(':').slice(0, 7).join(':')
      : `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${fn.split(':')[0]}`;
    return [{ 'Fn::Sub': base }, { 'Fn::Sub': `${base}:*` }];
  });
}

/**
 * Why the delegate function may not make a call, or undefined when it may: an HTTP call's URL
 * must lie under one of the config's APIs (the same origin, under its path), a Lambda
 * invocation must name one of its functions.
 *
 * @example
 * ```ts
 * refuseCall({ apis: ['https://api.example.com/v1'] }, { kind: 'http', method: 'GET', url: 'https://evil.example/' });
 * // 'https://evil.example/ is not under an API of stepmr.config.ts delegates.apis'
 * ```
 */
export function refuseCall(delegates: DelegatesConfig, task: unknown): string | undefined {
  const t = task as { kind?: unknown; url?: unknown; functionName?: unknown } | null;
  if (t?.kind === 'http' && typeof t.url === 'string') {
    const url = safeUrl(t.url);
    const ok = (delegates.apis ?? []).some((api) => {
      const base = safeUrl(api);
      if (!url || !base || url.origin !== base.origin) return false;
      const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
      return url.pathname === base.pathname || url.pathname.startsWith(path);
    });
    return ok
      ? undefined
      : `${url?.origin ?? 'its URL'}${url?.pathname ?? ''} is not under an API of stepmr.config.ts delegates.apis`;
  }
  if (t?.kind === 'lambda' && typeof t.functionName === 'string') {
    const name = functionName(t.functionName);
    const ok = (delegates.functions ?? []).some((fn) => functionName(fn) === name);
    return ok ? undefined : `function ${name} is not in stepmr.config.ts delegates.functions`;
  }
  return 'it is not an HTTP call or a Lambda invocation';
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The function's name, from a name, a partial or a full ARN, without its qualifier. */
function functionName(ref: string): string {
  const parts = ref.split(':');
  const at = parts.indexOf('function');
  return (at >= 0 ? parts[at + 1] : parts[0]) ?? ref;
}
