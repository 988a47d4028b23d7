import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { listenLocally } from '../../engine/http/listen.js';
import { KeyedLock, type Release } from './keyedLock.js';

/** Sends a request on to the S3 server and its answer back, as the calling proxy does it. */
export type Forward = (req: IncomingMessage, res: ServerResponse) => void;

/** A proxy's request handler that enforces S3's conditional writes; see {@link conditionalWrites}. */
export type ConditionalWritesHandler = (req: IncomingMessage, res: ServerResponse, forward: Forward) => void;

/**
 * Enforces S3's conditional writes, and its whole-object reads, in front of an S3 server that
 * has neither: s3rver 3.7.1 overwrites an object whatever `If-None-Match` or `If-Match` say,
 * and rewrites its file in place, so a GET during a PUT of the same key can get a torn body.
 * So requests on one object are ordered by a readers-writer lock per bucket and key, held until
 * the answer has been sent: reads (GET, HEAD) together, writes (PutObject and CopyObject,
 * CompleteMultipartUpload, DeleteObject) alone. A write carrying `If-None-Match: *` or
 * `If-Match: <etag>` first asks the server for the object (HEAD) and is answered as S3 answers
 * when the condition fails — 412 PreconditionFailed, or 404 NoSuchKey for `If-Match` on a
 * missing object — or else forwarded. Every other request is forwarded at once. Path-style
 * requests only (`/<bucket>/<key>`); neither DeleteObjects batches nor CopyObject's source
 * reads take a lock.
 *
 * It is a handler for a proxy that has its own way to forward (authentication, fault
 * injection…); {@link startConditionalWriteProxy} runs it as a proxy of its own.
 *
 * @example
 * ```ts
 * const guard = conditionalWrites({ target: 'http://127.0.0.1:4569' });
 * createServer((req, res) => guard(req, res, forward));
 * ```
 */
export function conditionalWrites(options: { readonly target: string }): ConditionalWritesHandler {
  const target = new URL(options.target);
  const locks = new KeyedLock();
  return (req, res, forward) => {
    const url = new URL(req.url ?? '/', 'http://s3');
    const access = objectAccess(req.method ?? 'GET', url);
    if (access === undefined) return forward(req, res);
    // Held until the answer is sent or the client goes away, even while still waiting for it.
    let release: Release | undefined;
    let closed = false;
    res.once('close', () => {
      closed = true;
      release?.();
    });
    const taken = access.write ? locks.write(access.key) : locks.read(access.key);
    void taken.then(async (granted) => {
      release = granted;
      if (closed) return granted();
      if (!access.write) return forward(req, res);
      try {
        const refusal = await evaluate(req, url.pathname, target);
        if (refusal === undefined) return forward(req, res);
        req.resume();
        req.once('end', () => send(res, refusal, access.key));
      } catch (error) {
        req.resume();
        const message = `conditional writes: HEAD ${url.pathname} at ${options.target} failed: ${(error as Error).message}`;
        send(res, { status: 502, code: 'InternalError', message }, access.key);
      }
    });
  };
}

/** A running {@link startConditionalWriteProxy}. */
export interface ConditionalWriteProxy {
  /** `http://127.0.0.1:<port>`: use it as the S3 endpoint. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3 server (s3rver) that enforces conditional writes with
 * {@link conditionalWrites} and forwards everything else unchanged.
 *
 * @example
 * ```ts
 * const proxy = await startConditionalWriteProxy({ target: s3.endpoint });
 * const client = new S3Client({ ...s3rverClientConfig(proxy.endpoint) });
 * ```
 */
export async function startConditionalWriteProxy(options: {
  readonly target: string;
  /** @default any free port */
  readonly port?: number;
}): Promise<ConditionalWriteProxy> {
  const target = new URL(options.target);
  const guard = conditionalWrites(options);
  const forward: Forward = (req, res) => {
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        // A body cut off upstream is cut off here too, so the client sees it and retries.
        answer.once('aborted', () => res.destroy());
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`conditional write proxy: ${options.target} failed: ${error.message}`);
    });
    req.pipe(upstream);
  };
  const server = createServer((req, res) => guard(req, res, forward));
  return listenLocally(server, options.port ?? 0);
}

/** An S3 error answer. */
interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly condition?: string;
}

/**
 * The `bucket/key` of the object a request reads (GET, HEAD) or writes whole (PUT and DELETE
 * without a sub-resource, POST `?uploadId=`); undefined for any other request.
 */
function objectAccess(method: string, url: URL): { key: string; write: boolean } | undefined {
  const path = url.pathname.replace(/^\/+/, '');
  if (!path.includes('/') || path.endsWith('/')) return undefined; // the service or a bucket
  const key = decodeURIComponent(path);
  if (method === 'GET' || method === 'HEAD') return { key, write: false };
  // The SDK adds `x-id=<operation>`; any other parameter names a sub-resource (a part, tags…).
  const subresources = [...url.searchParams.keys()].filter((name) => name !== 'x-id');
  const write =
    ((method === 'PUT' || method === 'DELETE') && subresources.length === 0) ||
    (method === 'POST' && subresources.length === 1 && subresources[0] === 'uploadId');
  return write ? { key, write } : undefined;
}

/** Why S3 would refuse this write, given the object as the server has it now; undefined if it would not. */
async function evaluate(req: IncomingMessage, pathname: string, target: URL): Promise<Refusal | undefined> {
  const noneMatch = header(req, 'if-none-match');
  const match = header(req, 'if-match');
  if (noneMatch === undefined && match === undefined) return undefined;
  if (noneMatch !== undefined && noneMatch !== '*') {
    return { status: 501, code: 'NotImplemented', message: 'If-None-Match on a write accepts only *.' };
  }
  const etag = await currentEtag(pathname, target);
  if (noneMatch !== undefined && etag !== undefined) {
    return { ...PRECONDITION_FAILED, condition: 'If-None-Match' };
  }
  if (match !== undefined) {
    if (etag === undefined)
      return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
    const wanted = match.split(',').map(bare);
    if (!wanted.includes('*') && !wanted.includes(bare(etag)))
      return { ...PRECONDITION_FAILED, condition: 'If-Match' };
  }
  return undefined;
}

const PRECONDITION_FAILED = {
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
};

/** The object's ETag as the server has it, or undefined if there is none. */
function currentEtag(pathname: string, target: URL): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const head = request(
      { hostname: target.hostname, port: target.port, method: 'HEAD', path: pathname },
      (answer) => {
        answer.resume();
        const status = answer.statusCode ?? 0;
        if (status === 404) return resolve(undefined);
        const etag = answer.headers.etag;
        if (status === 200 && typeof etag === 'string') return resolve(etag);
        reject(new Error(`HEAD answered ${status}${etag === undefined ? ' without an ETag' : ''}`));
      },
    );
    head.on('error', reject);
    head.end();
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value?.trim();
}

/** An entity tag without its weak prefix and quotes. */
function bare(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

function send(res: ServerResponse, refusal: Refusal, resource: string): void {
  const xml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const condition = refusal.condition === undefined ? '' : `<Condition>${refusal.condition}</Condition>`;
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${xml(refusal.message)}</Message>${condition}<Resource>${xml(resource)}</Resource><RequestId>stepmr-conditional</RequestId><HostId>stepmr-conditional</HostId></Error>`;
  res.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
