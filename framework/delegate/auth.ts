import type { HttpRequest } from '@smithy/types';
import type { CallDeps } from './deps.js';
import { CallAuthError } from './errors.js';
import type { CallAuth } from './types.js';

type ApiKeyAuth = Extract<CallAuth, { type: 'apiKey' }>;
type IamAuth = Extract<CallAuth, { type: 'iam' }>;

/**
 * API keys read once per run: each environment variable or SSM parameter is read on first use
 * and kept (as a promise, so concurrent calls share one read). The values live only here and
 * in the request headers: never in a task, a result, an error or a log.
 *
 * @example
 * ```ts
 * const keys = new ApiKeys(callDeps());
 * const value = await keys.value({ type: 'apiKey', ssmParameter: '/scoring/key' });
 * ```
 */
export class ApiKeys {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly deps: Pick<CallDeps, 'env' | 'ssm'>) {}

  value(auth: ApiKeyAuth): Promise<string> {
    const id = auth.env !== undefined ? `env:${auth.env}` : `ssm:${auth.ssmParameter}`;
    let value = this.cache.get(id);
    if (value === undefined) {
      value = this.read(auth);
      // A failed read is not kept: the next call tries again (the parameter may appear).
      value.catch(() => this.cache.delete(id));
      this.cache.set(id, value);
    }
    return value;
  }

  private async read(auth: ApiKeyAuth): Promise<string> {
    if (auth.env !== undefined) {
      const value = this.deps.env[auth.env];
      if (value === undefined || value === '') {
        throw new CallAuthError(
          `The API key variable ${auth.env} is not set in this environment: set it (in the function's environment when deployed), or name an SSM parameter instead.`,
        );
      }
      return value;
    }
    const name = auth.ssmParameter as string;
    try {
      const ssm = await this.deps.ssm();
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const value = out.Parameter?.Value;
      if (value === undefined || value === '') throw new Error('the parameter has no value');
      return value;
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}` : 'an unknown error';
      throw new CallAuthError(
        `Could not read the API key from SSM parameter ${name} (${reason}): check that it exists in this region and that the caller may ssm:GetParameter it (and kms:Decrypt a SecureString).`,
      );
    }
  }
}

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/;

/**
 * The region a SigV4 call is signed for: the one in an API Gateway host
 * (`<id>.execute-api.<region>.amazonaws.com`), else the auth's own, else `AWS_REGION`.
 *
 * @example
 * ```ts
 * signingRegion(new URL('https://a1.execute-api.eu-west-1.amazonaws.com/prod'), { type: 'iam' }, {}); // 'eu-west-1'
 * ```
 */
export function signingRegion(url: URL, auth: IamAuth, env: CallDeps['env']): string {
  const region = EXECUTE_API_HOST.exec(url.hostname)?.[1] ?? auth.region ?? env.AWS_REGION;
  if (region === undefined || region === '') {
    throw new CallAuthError(
      `No region to sign the call to ${url.origin} with: the host is not an execute-api host, so give auth { type: 'iam', region } or set AWS_REGION.`,
    );
  }
  return region;
}

/**
 * Signs a request with SigV4 (the SDK's own signer) and gives the headers to send: the
 * request's own, plus `authorization`, `x-amz-date`, `x-amz-content-sha256` and, with
 * temporary credentials, `x-amz-security-token`.
 *
 * @example
 * ```ts
 * const headers = await signRequest(url, 'POST', { 'content-type': 'application/json' }, body, { type: 'iam' }, deps);
 * ```
 */
export async function signRequest(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  auth: IamAuth,
  deps: Pick<CallDeps, 'credentials' | 'env' | 'wallClock'>,
): Promise<Record<string, string>> {
  // Loaded on the first signed call: importing stepmr stays fast for jobs that sign nothing.
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
  ]);
  const signer = new SignatureV4({
    credentials: deps.credentials,
    region: signingRegion(url, auth, deps.env),
    service: auth.service ?? 'execute-api',
    sha256: Sha256,
  });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const request: HttpRequest = {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    ...(body !== undefined ? { body } : {}),
  };
  let signed: HttpRequest;
  try {
    signed = await signer.sign(request, { signingDate: new Date(deps.wallClock()) });
  } catch (error) {
    const e = error as Error;
    throw new CallAuthError(
      `Could not sign the call to ${url.origin} with SigV4: ${e.name}: ${e.message}. Check that this process has AWS credentials (the function's role when deployed).`,
      { cause: error },
    );
  }
  const { host: _host, ...sent } = signed.headers;
  return sent;
}
