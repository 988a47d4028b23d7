import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ProxyAnswer, RequestFilter } from './frontDoor.js';
import { type AuthRefusal, checkSignature, type OfflineCredentials } from './sigv4Check.js';

/** Which service a front door stands for: S3, Lambda, or Step Functions with CloudFormation. */
export type Door = 's3' | 'lambda' | 'states';

/** The signing names of each door's services (the credential scope's service). */
const SERVICES: Readonly<Record<Door, readonly string[]>> = {
  s3: ['s3'],
  lambda: ['lambda'],
  states: ['states', 'cloudformation'],
};

type Refusal = AuthRefusal['kind'] | 'host';
type Protocol = 'json' | 'query' | 's3';

/** Each protocol's status and error code for a refusal, as the AWS service answers it. */
const CODES: Readonly<Record<Protocol, Readonly<Record<Refusal, readonly [number, string]>>>> = {
  json: {
    missing: [403, 'MissingAuthenticationTokenException'],
    malformed: [400, 'IncompleteSignatureException'],
    'unknown-key': [403, 'UnrecognizedClientException'],
    scope: [403, 'InvalidSignatureException'],
    expired: [403, 'InvalidSignatureException'],
    signature: [403, 'InvalidSignatureException'],
    host: [403, 'AccessDeniedException'],
  },
  query: {
    missing: [403, 'MissingAuthenticationToken'],
    malformed: [400, 'IncompleteSignature'],
    'unknown-key': [403, 'InvalidClientTokenId'],
    scope: [403, 'SignatureDoesNotMatch'],
    expired: [403, 'SignatureDoesNotMatch'],
    signature: [403, 'SignatureDoesNotMatch'],
    host: [403, 'AccessDenied'],
  },
  s3: {
    missing: [403, 'AccessDenied'],
    malformed: [400, 'AuthorizationHeaderMalformed'],
    'unknown-key': [403, 'InvalidAccessKeyId'],
    scope: [400, 'AuthorizationHeaderMalformed'],
    expired: [403, 'RequestTimeTooSkewed'],
    signature: [403, 'SignatureDoesNotMatch'],
    host: [403, 'AccessDenied'],
  },
};

const HINT =
  'the offline cloud takes only requests signed with the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY that this run of `stepmr offline` printed';

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The protocol a request speaks: S3's REST XML, CloudFormation's Query, or AWS JSON. */
function protocolOf(door: Door, req: IncomingMessage): Protocol {
  if (door === 's3') return 's3';
  const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return door === 'states' && form ? 'query' : 'json';
}

/**
 * The error a service answers for a refused request, in its own protocol, so that SDK clients
 * raise their typed exception (`UnrecognizedClientException`, S3's `InvalidAccessKeyId`, …).
 *
 * @example
 * ```ts
 * denial('s3', req, 'unknown-key', 'the access key id AKIA… is not this offline cloud's');
 * // { status: 403, headers: { 'content-type': 'application/xml' }, body: '<Error><Code>InvalidAccessKeyId</Code>…' }
 * ```
 */
export function denial(door: Door, req: IncomingMessage, refusal: Refusal, why: string): ProxyAnswer {
  const protocol = protocolOf(door, req);
  const [status, code] = CODES[protocol][refusal];
  const message = refusal === 'host' ? why : `${why}: ${HINT}`;
  if (protocol === 'json') {
    return {
      status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-errortype': code,
        'x-amzn-requestid': randomUUID(),
      },
      body: JSON.stringify({ __type: code, message }),
    };
  }
  const error = `<Code>${code}</Code><Message>${escapeXml(message)}</Message>`;
  const id = randomUUID();
  if (protocol === 's3') {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${error}<RequestId>${id}</RequestId></Error>`;
    return { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': id }, body };
  }
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>${error}</Error><RequestId>${id}</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'application/xml', 'x-amzn-requestid': id }, body };
}

/**
 * A front-door step that refuses, with 403, a request whose Host header is not this machine's
 * loopback with the port it came in on: `127.0.0.1:<port>`, `localhost:<port>` or
 * `[::1]:<port>`. A web page that rebinds its own name to 127.0.0.1 (DNS rebinding) still
 * sends its own name as the Host, so it is refused before anything else is looked at.
 *
 * @example
 * ```ts
 * await startFrontDoor({ target, filters: [hostFilter('lambda'), signatureFilter('lambda', keys)] });
 * ```
 */
export function hostFilter(door: Door): RequestFilter {
  return ({ req }) => {
    const port = req.socket.localPort;
    const host = (req.headers.host ?? '').toLowerCase();
    if ([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host)) return undefined;
    return denial(
      door,
      req,
      'host',
      `the Host header "${req.headers.host ?? ''}" is not 127.0.0.1:${port}, localhost:${port} or [::1]:${port}: the offline cloud answers only requests addressed to this machine's loopback (a defence against DNS rebinding); use the endpoint \`stepmr offline\` printed`,
    );
  };
}

/**
 * A front-door step that lets through only requests signed (AWS Signature Version 4, in the
 * Authorization header or a presigned URL's query) with `credentials` for the door's service,
 * and answers any other with the service's own error: unsigned, another key, a wrong secret,
 * a tampered request or a stale date.
 *
 * @example
 * ```ts
 * const keys = newOfflineCredentials();
 * await startFrontDoor({ target, filters: [hostFilter('states'), signatureFilter('states', keys)] });
 * ```
 */
export function signatureFilter(door: Door, credentials: OfflineCredentials): RequestFilter {
  return async ({ req, body }) => {
    const refusal = await checkSignature(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, ...(body ? { body } : {}) },
      credentials,
      { services: SERVICES[door] },
    );
    return refusal && denial(door, req, refusal.kind, refusal.message);
  };
}
