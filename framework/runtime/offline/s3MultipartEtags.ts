import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ProxiedRequest, ProxyAnswer, RequestFilter } from './frontDoor.js';
import { replyHeaders, upstream } from './s3Upstream.js';

/**
 * The ETag S3 gives an object made by a multipart upload: the MD5 of the parts' binary MD5s,
 * a dash, and the number of parts (`"<hex>-<parts>"`, quotes included), from the parts' ETags
 * in the order CompleteMultipartUpload lists them.
 *
 * @example
 * ```ts
 * multipartEtag(['"5d41402abc4b2a76b9719d911017c592"', '"7d793037a0760186574b0282f2f435e7"']); // '"…-2"'
 * ```
 */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const etag of partEtags) md5.update(Buffer.from(etag.replace(/"|&quot;/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${partEtags.length}"`;
}

/** The objects made by a multipart upload: their key → s3rver's plain ETag and S3's multipart one. */
export class MultipartEtags {
  readonly #byKey = new Map<string, { readonly plain: string; readonly multipart: string }>();

  /** Records the multipart ETag of `bucket/key`, whose ETag s3rver gives as `plain`. */
  set(objectKey: string, plain: string, multipart: string): void {
    this.#byKey.set(objectKey, { plain, multipart });
  }

  /** Whether an object has a multipart ETag. */
  has(objectKey: string): boolean {
    return this.#byKey.has(objectKey);
  }

  /** Forgets an object (written or deleted since). */
  delete(objectKey: string): void {
    this.#byKey.delete(objectKey);
  }

  /** S3's ETag of an object whose ETag s3rver gives as `etag` (the same when it is no multipart object). */
  toS3(objectKey: string, etag: string): string {
    const known = this.#byKey.get(objectKey);
    return known && known.plain === etag ? known.multipart : etag;
  }

  /** s3rver's ETag for one a client sends (If-Match, If-None-Match), which may be the multipart one. */
  toS3rver(objectKey: string, etag: string): string {
    const known = this.#byKey.get(objectKey);
    return known && known.multipart === etag ? known.plain : etag;
  }

  /** Whether any object of the bucket has a multipart ETag. */
  hasBucket(bucket: string): boolean {
    for (const key of this.#byKey.keys()) if (key.startsWith(`${bucket}/`)) return true;
    return false;
  }

  /** The reply headers with S3's ETag in place of s3rver's. */
  headers(objectKey: string, headers: Record<string, string>): Record<string, string> {
    return headers.etag === undefined ? headers : { ...headers, etag: this.toS3(objectKey, headers.etag) };
  }
}

/** The bucket, the object key (decoded; '' for the bucket itself) and the query of a path-style request. */
export function s3Target(req: IncomingMessage): { bucket: string; key: string; query: URLSearchParams } {
  const url = new URL(req.url ?? '/', 'http://door');
  const [, bucket = '', ...key] = url.pathname.split('/');
  return {
    bucket: decodeURIComponent(bucket),
    key: decodeURIComponent(key.join('/')),
    query: url.searchParams,
  };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const ETAG = /<ETag>((?:&quot;|")?)([^<"&]*)\1<\/ETag>/;
const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (whole, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    return named[name] ?? (name.startsWith('#') ? String.fromCharCode(Number(name.slice(1))) : whole);
  });

/** CompleteMultipartUpload: s3rver completes it; the answer carries S3's multipart ETag. */
async function complete(service: URL, request: ProxiedRequest, etags: MultipartEtags, objectKey: string) {
  const { req } = request;
  const body = request.body ?? (await readAll(req));
  const parts = [...body.toString('utf8').matchAll(/<ETag>([^<]*)<\/ETag>/g)].map((m) => m[1] ?? '');
  const reply = await upstream(service, req, { body, headers: { 'content-length': String(body.length) } });
  const text = (await readAll(reply)).toString('utf8');
  const found = ETAG.exec(text);
  if (
    reply.statusCode !== 200 ||
    !text.includes('<CompleteMultipartUploadResult') ||
    !found ||
    parts.length === 0
  ) {
    return { status: reply.statusCode ?? 502, headers: replyHeaders(reply, ['content-length']), body: text };
  }
  const [, quote = '', plain = ''] = found;
  const multipart = multipartEtag(parts);
  etags.set(objectKey, `"${plain}"`, multipart);
  const rewritten = text.replace(ETAG, `<ETag>${quote}${multipart.slice(1, -1)}${quote}</ETag>`);
  return {
    status: 200,
    headers: replyHeaders(reply, ['content-length', 'transfer-encoding']),
    body: rewritten,
  };
}

/** A listing of a bucket, with S3's ETag for each object made by a multipart upload. */
async function listing(service: URL, req: IncomingMessage, etags: MultipartEtags, bucket: string) {
  const reply = await upstream(service, req);
  const text = (await readAll(reply)).toString('utf8');
  const body = text.replace(/<Contents>([\s\S]*?)<\/Contents>/g, (contents: string, inner: string) => {
    const key = /<Key>([^<]*)<\/Key>/.exec(inner)?.[1];
    const found = ETAG.exec(inner);
    if (key === undefined || !found) return contents;
    const [, quote = '', plain = ''] = found;
    const s3 = etags.toS3(`${bucket}/${unescapeXml(key)}`, `"${plain}"`);
    return contents.replace(ETAG, `<ETag>${quote}${s3.slice(1, -1)}${quote}</ETag>`);
  });
  return {
    status: reply.statusCode ?? 502,
    headers: replyHeaders(reply, ['content-length', 'transfer-encoding']),
    body,
  };
}

/**
 * A front-door step for the S3 door that gives an object made by a multipart upload S3's ETag
 * (`"<md5 of the parts' md5s>-<parts>"`) where s3rver gives the MD5 of the whole object: in the
 * CompleteMultipartUpload answer, in GetObject and HeadObject (whose `If-Match` /
 * `If-None-Match` may name it), and in bucket listings. It remembers those objects while the
 * door runs, and forgets one when it is written or deleted again. Ranged reads are left to
 * {@link s3RangeFilter} given the same `etags`. Put it after the signature check.
 *
 * @example
 * ```ts
 * const etags = new MultipartEtags();
 * filters.push(s3MultipartEtagFilter(s3.endpoint, etags), s3RangeFilter(s3.endpoint, etags));
 * ```
 */
export function s3MultipartEtagFilter(target: string, etags: MultipartEtags): RequestFilter {
  const service = new URL(target);
  return async (request): Promise<ProxyAnswer | undefined> => {
    const { req } = request;
    const { bucket, key, query } = s3Target(req);
    const objectKey = `${bucket}/${key}`;
    if (!bucket) return undefined;
    if (key === '') {
      const isListing =
        req.method === 'GET' && !['uploads', 'versions', 'location', 'acl'].some((q) => query.has(q));
      return isListing && etags.hasBucket(bucket) ? listing(service, req, etags, bucket) : undefined;
    }
    if (req.method === 'POST' && query.has('uploadId')) return complete(service, request, etags, objectKey);
    if ((req.method === 'PUT' || req.method === 'DELETE') && !query.has('uploadId')) {
      etags.delete(objectKey);
      return undefined;
    }
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (!read || req.headers.range !== undefined || !etags.has(objectKey)) return undefined;
    const conditions: Record<string, string> = {};
    for (const name of ['if-match', 'if-none-match']) {
      const value = req.headers[name];
      if (typeof value === 'string') conditions[name] = etags.toS3rver(objectKey, value);
    }
    const reply = await upstream(service, req, { headers: conditions });
    return {
      status: reply.statusCode ?? 502,
      headers: etags.headers(objectKey, replyHeaders(reply)),
      body: reply,
    };
  };
}
