import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { listenLocally } from '../../engine/http/listen.js';

/**
 * An answer the front door gives itself, as a service would: status, headers and body. A
 * stream body (an object fetched by a filter) is sent as it comes, with the headers as given
 * (they must hold its `content-length`); a text body gets its length counted.
 */
export interface ProxyAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Readable;
}

/** A request at the front door: as received, with its whole body if the door read it. */
export interface ProxiedRequest {
  readonly req: IncomingMessage;
  /** Read when the request has no `x-amz-content-sha256` (its signature covers the body). */
  readonly body?: Buffer;
}

/**
 * One step of the front door: an answer ends the request there (it never reaches the service),
 * undefined lets it through to the next step, and after the last to the service.
 *
 * @example
 * ```ts
 * const onlyGet: RequestFilter = ({ req }) =>
 *   req.method === 'GET' ? undefined : { status: 405, headers: {}, body: 'GET only' };
 * ```
 */
export type RequestFilter = (
  request: ProxiedRequest,
) => ProxyAnswer | undefined | Promise<ProxyAnswer | undefined>;

/** Options of {@link startFrontDoor}. */
export interface FrontDoorOptions {
  /** The service behind the door: `http://127.0.0.1:<port>`, a port nobody else is told. */
  readonly target: string;
  /** The steps every request passes, in order: host, signature, faults… */
  readonly filters: readonly RequestFilter[];
  /** @default any free port */
  readonly port?: number;
  /**
   * Read every body whole (and so check it against its `x-amz-content-sha256`), not only
   * those of requests without that header. @default false: S3 uploads stream
   */
  readonly readBodies?: boolean;
  /** Largest body read whole. @default 16 MiB */
  readonly maxBodyBytes?: number;
  /**
   * Told of every request once it is answered, with the status sent (undefined when the
   * connection closed first), whoever answered it. @default none
   */
  readonly onAnswered?: (req: IncomingMessage, status: number | undefined) => void;
}

/** A running front door. */
export interface FrontDoor {
  /** `http://127.0.0.1:<port>`: the service's endpoint for clients. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const answer = (res: ServerResponse, reply: ProxyAnswer) => {
  const { body } = reply;
  if (typeof body === 'string') {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  pipeline(body, res).catch(() => res.destroy());
};

/** Reads a whole body, or undefined past `limit` bytes (the rest is drained). */
async function readWhole(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}

/** Sends a request on to the service: the body read, or the rest of the stream. */
function forward(target: URL, { req, body }: ProxiedRequest, res: ServerResponse): void {
  const upstream = request(
    {
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers as OutgoingHttpHeaders,
    },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`offline cloud: the service behind ${req.headers.host} failed: ${error.message}`);
  });
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

/**
 * The front door of one service of the offline cloud: an HTTP server on 127.0.0.1 that passes
 * each request through `filters` (the Host check, the signature check, injected faults) and
 * forwards what they all let through, unchanged, to `target`. A request that a filter answers
 * never reaches the service. A body is read whole only when the signature covers it (no
 * `x-amz-content-sha256` header: Step Functions, CloudFormation, Lambda); S3 bodies stream.
 *
 * @example
 * ```ts
 * const door = await startFrontDoor({ target: s3rver.endpoint, filters: [hostFilter('s3'), signatureFilter('s3', keys)] });
 * const client = new S3Client({ endpoint: door.endpoint, credentials: keys, forcePathStyle: true });
 * ```
 */
export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const target = new URL(options.target);
  const limit = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const onAnswered = options.onAnswered;
    if (onAnswered)
      res.once('close', () => onAnswered(req, res.writableFinished ? res.statusCode : undefined));
    let body: Buffer | undefined;
    if (options.readBodies || req.headers['x-amz-content-sha256'] === undefined) {
      body = await readWhole(req, limit);
      if (!body) {
        answer(res, {
          status: 413,
          headers: { 'content-type': 'text/plain' },
          body: `request body over ${limit} bytes\n`,
        });
        return;
      }
    }
    const request: ProxiedRequest = body ? { req, body } : { req };
    for (const filter of options.filters) {
      const reply = await filter(request);
      if (reply) {
        // Read the rest first, as a service does, so the client sees the answer, not a reset.
        if (!body && !req.readableEnded) await new Promise((done) => req.resume().once('end', done));
        answer(res, reply);
        return;
      }
    }
    forward(target, request, res);
  };
  const server = createServer((req, res) => {
    serve(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`offline cloud front door: ${error.message}\n`);
    });
  });
  return listenLocally(server, options.port ?? 0);
}
