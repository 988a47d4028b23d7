import type { IncomingMessage } from 'node:http';
import { noRequests, type RequestCounts, type RequestKind } from '../../store/CountingStore.js';

/**
 * The kind of an S3 request (path-style, as the offline cloud's clients send them), as S3 prices
 * it: ListObjectsV2 is a LIST; GetObject a GET, or a ranged GET with a `Range`; CopyObject
 * (`x-amz-copy-source`) a COPY; PutObject and the three requests of a multipart upload
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload) a PUT; DeleteObject,
 * DeleteObjects and AbortMultipartUpload a DELETE; HeadObject a HEAD. Undefined for anything else.
 *
 * @example
 * ```ts
 * s3RequestKind(req); // 'rangedGet' for GET /bucket/key with Range: bytes=0-99
 * ```
 */
export function s3RequestKind(req: IncomingMessage): RequestKind | undefined {
  const url = new URL(req.url ?? '/', 'http://s3');
  const query = url.searchParams;
  switch (req.method) {
    case 'GET':
      if (query.get('list-type') === '2') return 'list';
      return req.headers.range === undefined ? 'get' : 'rangedGet';
    case 'HEAD':
      return 'head';
    case 'PUT':
      return req.headers['x-amz-copy-source'] === undefined ? 'put' : 'copy';
    case 'POST':
      if (query.has('delete')) return 'delete';
      return query.has('uploads') || query.has('uploadId') ? 'put' : undefined;
    case 'DELETE':
      return 'delete';
    default:
      return undefined;
  }
}

/**
 * Where a request belongs: the first two segments of its key (`work/<job id>/`, `out/wc/`), or
 * of a LIST's prefix; `''` for a request on the bucket itself (DeleteObjects, whose keys are in
 * its body).
 */
function groupOf(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://s3');
  const [, , ...key] = url.pathname.split('/');
  const path =
    url.searchParams.get('list-type') === '2' ? (url.searchParams.get('prefix') ?? '') : key.join('/');
  const segments = decodeURIComponent(path).split('/');
  return segments.length > 2 ? `${segments.slice(0, 2).join('/')}/` : segments.slice(0, -1).join('/');
}

/** A request counter at the S3 door, and what it counted. */
export interface S3RequestCounter {
  /** Counts an answered request (the door's `onAnswered`). */
  readonly record: (req: IncomingMessage, status: number | undefined) => void;
  /** Requests answered with a 5xx, or not at all (the emulator's spurious failures), since the last reset. */
  failed(): number;
  /** Requests by kind, per group (`work/<job id>/`, `out/wc/`, …), since the last reset. */
  counts(): ReadonlyMap<string, RequestCounts>;
  /** Requests by kind, over every group, since the last reset. */
  total(): RequestCounts;
  reset(): void;
}

/**
 * Counts the S3 requests the front door answers, by kind and by the group of keys they touch,
 * seen independently of the client code that sent them. A request answered with a 5xx, or not
 * at all, is counted apart (`failed`): s3rver fails a DeleteObjects now and then, which the
 * store retries, and S3 does not bill server errors.
 *
 * @example
 * ```ts
 * const counter = s3RequestCounter();
 * const cloud = await startOfflineCloud({ onS3Request: counter.record });
 * counter.total().rangedGet;
 * ```
 */
export function s3RequestCounter(): S3RequestCounter {
  let groups = new Map<string, RequestCounts>();
  let failed = 0;
  return {
    record: (req, status) => {
      const kind = s3RequestKind(req);
      if (kind && (status === undefined || status >= 500)) failed++;
      else if (kind) {
        const group = groupOf(req);
        const counts = groups.get(group) ?? noRequests();
        counts[kind]++;
        groups.set(group, counts);
      }
    },
    failed: () => failed,
    counts: () => groups,
    total: () => {
      const total = noRequests();
      for (const counts of groups.values())
        for (const [kind, n] of Object.entries(counts)) total[kind as keyof RequestCounts] += n;
      return total;
    },
    reset: () => {
      groups = new Map();
      failed = 0;
    },
  };
}
