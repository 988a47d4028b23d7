import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, QueryParameterBag, SourceData } from '@smithy/types';

/** The access key of one run of the offline cloud. */
export interface OfflineCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Why a request was refused; `kind` picks the service's error code. */
export interface AuthRefusal {
  readonly kind: 'missing' | 'malformed' | 'unknown-key' | 'scope' | 'expired' | 'signature';
  readonly message: string;
}

/** What {@link checkSignature} needs of a request: as received, and its body if it was read. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target as received: path and query, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The whole body: needed unless the request carries `x-amz-content-sha256`, checked against it if given. */
  readonly body?: Buffer;
}

/**
 * SHA-256 (an HMAC with a secret) as the SDK's signer takes it: the SDK's own Node hash.
 *
 * @example
 * ```ts
 * new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256 });
 * ```
 */
export class Sha256 extends Hash {
  constructor(secret?: SourceData) {
    super('sha256', secret);
  }
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** How far a request's X-Amz-Date may be from now, as on AWS. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * A fresh access key for one run: a key id of 20 capitals and digits starting `STEPMR` (so it
 * is never taken for an AWS key) and a 40-character secret, from the system's CSPRNG.
 *
 * @example
 * ```ts
 * const { accessKeyId } = newOfflineCredentials(); // 'STEPMR7KQ2M4XW9ZB3TA'
 * ```
 */
export function newOfflineCredentials(): OfflineCredentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(14)].map((b) => alphabet[b % 32]).join('');
  return { accessKeyId: `STEPMR${id}`, secretAccessKey: randomBytes(30).toString('base64url') };
}

const refuse = (kind: AuthRefusal['kind'], message: string): AuthRefusal => ({ kind, message });

/** The fields of `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
function parseAuthorization(header: string): Record<string, string> | undefined {
  if (!header.startsWith(`${ALGORITHM} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const part of header.slice(ALGORITHM.length).split(',')) {
    const at = part.indexOf('=');
    if (at > 0) fields[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return fields;
}

/** `20240102T030405Z` as a Date, or undefined. */
function amzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/** The query of a request target, decoded, as the signer takes it (repeated keys as arrays). */
function queryOf(search: string): QueryParameterBag {
  const query: Record<string, string | string[]> = {};
  for (const pair of search ? search.split('&') : []) {
    const at = pair.indexOf('=');
    const key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Checks a request's AWS Signature Version 4 — in the `Authorization` header, or in the query
 * of a presigned URL — against `credentials`, recomputing the signature with the SDK's own
 * signer over the headers the client signed, its date, path, query and payload hash. Resolves
 * undefined when the request is signed with these credentials for one of `services` within
 * 15 minutes of now (or, presigned, before it expires); otherwise with why not. The payload
 * hash is `x-amz-content-sha256` when the client sent one (S3), else the body's own hash.
 *
 * @example
 * ```ts
 * const refusal = await checkSignature({ method, url, headers, body }, credentials, { services: ['states'] });
 * if (refusal) deny(refusal.kind, refusal.message);
 * ```
 */
export async function checkSignature(
  request: ReceivedRequest,
  credentials: OfflineCredentials,
  options: { readonly services: readonly string[]; readonly now?: Date },
): Promise<AuthRefusal | undefined> {
  const [path = '/', search = ''] = request.url.split(/\?(.*)/s);
  const query = queryOf(search);
  const header = request.headers.authorization;
  const presigned = query['X-Amz-Algorithm'] !== undefined || query['X-Amz-Credential'] !== undefined;
  if (header?.startsWith('AWS ') || (!presigned && query.AWSAccessKeyId !== undefined)) {
    return refuse(
      'malformed',
      'Signature Version 2 is not taken, only Version 4 (for presigned URLs of the AWS CLI v1: set s3.signature_version = s3v4 in its config)',
    );
  }
  if (header === undefined && !presigned) return refuse('missing', 'the request is not signed');
  if (header !== undefined && presigned) {
    return refuse('malformed', 'the request is signed twice: in its Authorization header and its query');
  }
  const fields = header === undefined ? queryFields(query) : parseAuthorization(header);
  if (!fields?.Credential || !fields.SignedHeaders || !fields.Signature) {
    return refuse(
      'malformed',
      `only ${ALGORITHM} (Signature Version 4) with Credential, SignedHeaders and Signature is accepted`,
    );
  }
  const [keyId, day, region, service, terminator] = fields.Credential.split('/');
  if (keyId !== credentials.accessKeyId) {
    return refuse('unknown-key', `the access key id ${keyId} is not this offline cloud's`);
  }
  if (!day || !region || !service || terminator !== 'aws4_request' || !options.services.includes(service)) {
    return refuse(
      'scope',
      `the credential scope ${fields.Credential} is not for ${options.services.join(' or ')}`,
    );
  }
  const dateText = (header === undefined ? fields.Date : first(request.headers['x-amz-date'])) ?? '';
  const date = amzDate(dateText);
  if (!date || !dateText.startsWith(day)) {
    return refuse('malformed', `X-Amz-Date "${dateText}" is not a time of the credential scope's day ${day}`);
  }
  const now = (options.now ?? new Date()).getTime();
  const expires = header === undefined ? Number(fields.Expires) * 1000 : MAX_SKEW_MS;
  if (date.getTime() - now > MAX_SKEW_MS || !(now - date.getTime() <= expires)) {
    return refuse(
      'expired',
      `the signature of ${dateText} has expired (or is too far ahead): sign requests with this machine's clock`,
    );
  }
  const claimed = first(request.headers['x-amz-content-sha256']);
  if (request.body && claimed && /^[0-9a-f]{64}$/.test(claimed)) {
    if (createHash('sha256').update(request.body).digest('hex') !== claimed) {
      return refuse('signature', 'the body is not the one signed: its SHA-256 is not x-amz-content-sha256');
    }
  }
  const signedNames = fields.SignedHeaders.split(';');
  if (!signedNames.includes('host')) return refuse('malformed', 'the Host header is not signed');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: false,
  });
  const unsigned: HttpRequest = {
    method: request.method,
    protocol: 'http:',
    hostname: '',
    path,
    query,
    headers,
    ...(request.body?.length ? { body: request.body } : {}),
  };
  const expected =
    header === undefined
      ? await presignedSignature(signer, unsigned, date, fields, service)
      : await headerSignature(signer, unsigned, date, signedNames);
  if (
    !sameText(expected.signedHeaders, fields.SignedHeaders) ||
    !sameText(expected.signature, fields.Signature)
  ) {
    return refuse(
      'signature',
      'the signature does not match the request: sign it with the secret access key that goes with the key id',
    );
  }
  return undefined;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The signature fields of a presigned URL's query, named as in the Authorization header. */
function queryFields(query: QueryParameterBag): Record<string, string> | undefined {
  const get = (key: string) => first(query[key] ?? undefined) ?? '';
  if (get('X-Amz-Algorithm') !== ALGORITHM) return undefined;
  return {
    Credential: get('X-Amz-Credential'),
    SignedHeaders: get('X-Amz-SignedHeaders'),
    Signature: get('X-Amz-Signature'),
    Date: get('X-Amz-Date'),
    Expires: get('X-Amz-Expires'),
  };
}

async function headerSignature(
  signer: SignatureV4,
  request: HttpRequest,
  date: Date,
  signedNames: readonly string[],
): Promise<{ signedHeaders: string; signature: string }> {
  const signed = await signer.sign(request, { signingDate: date, signableHeaders: new Set(signedNames) });
  const fields = parseAuthorization(String(signed.headers.authorization)) ?? {};
  return { signedHeaders: fields.SignedHeaders ?? '', signature: fields.Signature ?? '' };
}

async function presignedSignature(
  signer: SignatureV4,
  request: HttpRequest,
  date: Date,
  fields: Record<string, string>,
  service: string,
): Promise<{ signedHeaders: string; signature: string }> {
  const query = { ...request.query };
  for (const key of [
    'X-Amz-Signature',
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
  ]) {
    delete query[key];
  }
  // S3 presigned URLs sign an unsigned payload; other services the empty body's hash.
  const payload = service === 's3' ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {};
  const keep = new Set(Object.keys(payload));
  const signed = await signer.presign(
    { ...request, query, headers: { ...request.headers, ...payload } },
    {
      signingDate: date,
      expiresIn: Number(fields.Expires),
      unhoistableHeaders: keep,
      unsignableHeaders: keep,
      signableHeaders: new Set(fields.SignedHeaders?.split(';')),
    },
  );
  return {
    signedHeaders: String(first(signed.query?.['X-Amz-SignedHeaders'] ?? undefined) ?? ''),
    signature: String(first(signed.query?.['X-Amz-Signature'] ?? undefined) ?? ''),
  };
}
