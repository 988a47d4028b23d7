import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * One request as the server received it.
 *
 * @example
 * ```ts
 * const keys = server.requests.map((r: ReceivedRequest) => r.headers['idempotency-key']);
 * ```
 */
export interface ReceivedRequest {
  readonly method: string;
  /** The path and query as sent (`/score?model=v2`). */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** `performance.now()` when the request (headers and body) had arrived. */
  readonly arrivedAt: number;
  /** `Date.now()` at the same moment. */
  readonly arrivedWall: number;
  /** Requests in flight when this one arrived, itself included. */
  readonly inFlight: number;
  /** The client's port: requests with the same one came over the same (kept-alive) connection. */
  readonly clientPort: number;
  /** What the server answered (`reset` for a destroyed connection), filled in when decided. */
  reply?: Reply;
}

/**
 * What to do with a request.
 *
 * @example
 * ```ts
 * const reply: Reply = { status: 429, headers: { 'retry-after': '1' } };
 * ```
 */
export interface Reply {
  readonly status?: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (or resetting). */
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (the client sees ECONNRESET / socket hang up). */
  readonly reset?: true;
}

/**
 * A running test server.
 *
 * @example
 * ```ts
 * const server: CallServer = await startCallServer(() => ({ json: {} }));
 * await server.close();
 * ```
 */
export interface CallServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request, in order of arrival. */
  readonly requests: ReceivedRequest[];
  /** The most requests ever in flight at once. */
  maxInFlight(): number;
  /** Requests carrying this `Idempotency-Key`, in order of arrival. */
  byKey(key: string): ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) that answers each request as `decide` says: a
 * status and body after a delay, or a reset connection. It records every request with its
 * arrival time and the number of requests in flight, so tests measure limits, retries and
 * waits from the server's side.
 *
 * @example
 * ```ts
 * const server = await startCallServer((req) => (req.path === '/fail' ? { status: 503 } : { json: { ok: 1 } }));
 * ```
 */
export async function startCallServer(
  decide: (req: ReceivedRequest, server: CallServer) => Reply | Promise<Reply>,
): Promise<CallServer> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight -= 1;
      }
    };
    res.on('close', finish);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const received: ReceivedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      arrivedAt: performance.now(),
      arrivedWall: Date.now(),
      inFlight,
      clientPort: req.socket.remotePort ?? 0,
    };
    requests.push(received);
    const reply = await decide(received, api);
    received.reply = reply;
    if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return finish();
    if (reply.reset) {
      finish();
      req.socket.destroy();
      return;
    }
    const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
    res.writeHead(reply.status ?? 200, {
      'content-type': reply.json !== undefined ? 'application/json' : 'text/plain',
      ...reply.headers,
    });
    // Counted out before the client can see the answer, so a client's next call never
    // finds this one still counted.
    finish();
    res.end(payload);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const api: CallServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    byKey: (key) => requests.filter((r) => r.headers['idempotency-key'] === key),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

/**
 * The largest number of `times` (ms, any order) inside any window `[t, t + windowMs)`.
 *
 * @example
 * ```ts
 * maxInWindow([0, 10, 990, 1000], 1000); // 3
 * ```
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}
