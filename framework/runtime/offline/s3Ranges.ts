import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ProxyAnswer, RequestFilter } from './frontDoor.js';
import { type MultipartEtags, s3Target } from './s3MultipartEtags.js';
import { replyHeaders, take, upstream } from './s3Upstream.js';

/**
 * What a `Range` header asks of an object of `size` bytes, as S3 reads it: `ignore` a header
 * that is not one well-formed byte range (the whole object, 200), `unsatisfiable` (416
 * InvalidRange), or the bytes `start`..`end` (inclusive, 206). A suffix range (`bytes=-N`) is
 * the last N bytes (the whole object when it is shorter); on an empty object it is the whole,
 * empty, object, and any other range of an empty object is unsatisfiable.
 *
 * @example
 * ```ts
 * byteRange('bytes=-5', 12); // { kind: 'range', start: 7, end: 11 }
 * byteRange('bytes=0-0', 12); // { kind: 'range', start: 0, end: 0 }
 * ```
 */
export function byteRange(
  header: string,
  size: number,
): { kind: 'ignore' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number } {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  const [first = '', last = ''] = match ? match.slice(1) : [];
  if (!match || (first === '' && last === '')) return { kind: 'ignore' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    if (size === 0) return { kind: 'ignore' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'ignore' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** Query parameters of requests on an object that are not a plain GetObject. */
const NOT_GET_OBJECT = ['partNumber', 'uploadId', 'acl', 'tagging', 'attributes', 'torrent', 'retention'];
const CONDITIONS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

function isObjectRead(req: IncomingMessage): boolean {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers.range === undefined) return false;
  const url = new URL(req.url ?? '/', 'http://door');
  const [, bucket, ...key] = url.pathname.split('/');
  return !!bucket && key.join('/') !== '' && !NOT_GET_OBJECT.some((p) => url.searchParams.has(p));
}

function invalidRange(requested: string, size: number): ProxyAnswer {
  const id = randomUUID();
  const escaped = requested.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status: 416,
    headers: {
      'content-type': 'application/xml',
      'content-range': `bytes */${size}`,
      'x-amz-request-id': id,
    },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>${escaped}</RangeRequested><ActualObjectSize>${size}</ActualObjectSize><RequestId>${id}</RequestId></Error>`,
  };
}

/**
 * A front-door step for the S3 door that answers ranged reads (GetObject and HeadObject with a
 * `Range` header) as S3 does, where s3rver does not: a suffix range `bytes=-N` is the last N
 * bytes (s3rver sends the first N+1), `bytes=0-0` is one byte (s3rver sends the whole object),
 * a range of an empty object is 416 InvalidRange, or the whole empty object for a suffix range
 * (s3rver resets the connection), and a malformed range is ignored. It asks s3rver for the
 * object's size (HEAD), then for exactly the bytes wanted, which it streams to the client with
 * S3's status, `Content-Range` and `Content-Length`. Conditional headers go to s3rver as they
 * came; with `etags`, an object made by a multipart upload shows S3's ETag (see
 * {@link s3MultipartEtagFilter}). Put it after the signature check.
 *
 * @example
 * ```ts
 * await startFrontDoor({ target: s3.endpoint, filters: [hostFilter('s3'), signatureFilter('s3', keys), s3RangeFilter(s3.endpoint)] });
 * ```
 */
export function s3RangeFilter(target: string, etags?: MultipartEtags): RequestFilter {
  const service = new URL(target);
  return async ({ req }) => {
    if (!isObjectRead(req)) return undefined;
    const { bucket, key } = s3Target(req);
    const objectKey = `${bucket}/${key}`;
    const s3Headers = (headers: Record<string, string>) => etags?.headers(objectKey, headers) ?? headers;
    const asIs = (reply: IncomingMessage): ProxyAnswer => ({
      status: reply.statusCode ?? 502,
      headers: s3Headers(replyHeaders(reply)),
      body: reply,
    });
    const conditions: Record<string, string> = {};
    for (const name of ['if-match', 'if-none-match']) {
      const value = req.headers[name];
      if (typeof value === 'string' && etags) conditions[name] = etags.toS3rver(objectKey, value);
    }
    const requested = String(req.headers.range);
    const plain = Object.fromEntries([...CONDITIONS, 'range'].map((h) => [h, undefined]));
    const head = await upstream(service, req, { method: 'HEAD', headers: plain });
    head.resume();
    if (head.statusCode !== 200) return undefined;
    const size = Number(head.headers['content-length']);
    const wanted = byteRange(requested, size);
    if (wanted.kind === 'unsatisfiable') return invalidRange(requested, size);
    if (wanted.kind === 'ignore') {
      return asIs(await upstream(service, req, { headers: { ...conditions, range: undefined } }));
    }
    const { start, end } = wanted;
    const length = end - start + 1;
    // s3rver reads an end of 0 as "to the end": ask for one byte more, and pass on only one.
    const asked = end === 0 && size > 1 ? 'bytes=0-1' : `bytes=${start}-${end}`;
    const reply = await upstream(service, req, { headers: { ...conditions, range: asked } });
    if (reply.statusCode !== 206) return asIs(reply);
    const headers = {
      ...s3Headers(replyHeaders(reply, ['content-length', 'content-range', 'transfer-encoding'])),
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': String(length),
    };
    if (req.method === 'HEAD') {
      reply.resume();
      return { status: 206, headers, body: Readable.from([]) };
    }
    return { status: 206, headers, body: take(reply, length) };
  };
}
