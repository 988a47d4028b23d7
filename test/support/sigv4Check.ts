import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { ReceivedRequest } from './callServer.js';

/**
 * Checks a received request's SigV4 signature the way a service does: the signed headers
 * named in `Authorization`, the body's SHA-256 computed here (not taken from the header), the
 * credential scope's region and service, then the request signed again with the known secret
 * at its own `x-amz-date`; the two `Authorization` values must be equal. Gives `undefined`
 * when the signature holds, else why not.
 *
 * @example
 * ```ts
 * const problem = await checkSigV4(req, { accessKeyId: 'AKID', secretAccessKey: 'secret' }, 'us-east-1');
 * ```
 */
export async function checkSigV4(
  req: ReceivedRequest,
  credentials: AwsCredentialIdentity,
  region: string,
  service = 'execute-api',
): Promise<string | undefined> {
  const authorization = req.headers.authorization ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (match === null) return 'no SigV4 Authorization header';
  const [, accessKey, day, scopeRegion, scopeService, signedHeaders] = match as unknown as string[];
  if (accessKey !== credentials.accessKeyId) return 'unknown access key';
  if (scopeRegion !== region || scopeService !== service) return `scope ${scopeRegion}/${scopeService}`;
  const amzDate = req.headers['x-amz-date'] ?? '';
  if (!amzDate.startsWith(day ?? '-')) return 'x-amz-date is not the scope’s day';
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  if (req.headers['x-amz-content-sha256'] !== bodyHash) return 'body does not match x-amz-content-sha256';
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders ?? '').split(';')) headers[name] = req.headers[name] ?? '';
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of req.query) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const [hostname, port] = (req.headers.host ?? '').split(':');
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256 });
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: hostname ?? '',
      ...(port !== undefined ? { port: Number(port) } : {}),
      path: req.path,
      query,
      headers,
      body: req.body,
    },
    { signingDate: date },
  );
  return signed.headers.authorization === authorization ? undefined : 'signature does not match';
}
