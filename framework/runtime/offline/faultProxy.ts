import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A throttling answer as a service gives it. */
export interface Fault {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** S3's `503 SlowDown`, as S3 answers when a prefix gets more requests than it can take. */
export const S3_SLOW_DOWN: Fault = {
  status: 503,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>stepmr-fault</RequestId><HostId>stepmr-fault</HostId></Error>',
};

/** Lambda's `429 TooManyRequestsException`, as Invoke answers past the concurrency limit. */
export const LAMBDA_TOO_MANY_REQUESTS: Fault = {
  status: 429,
  headers: {
    'content-type': 'application/json',
    'x-amzn-errortype': 'TooManyRequestsException',
    'x-amzn-requestid': 'stepmr-fault',
  },
  body: JSON.stringify({
    Type: 'User',
    message: 'Rate Exceeded.',
    Reason: 'ConcurrentInvocationLimitExceeded',
  }),
};

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The server behind the proxy: `http://127.0.0.1:<port>`. */
  readonly target: string;
  /** Answer every `every`-th request with the fault instead of forwarding it (0: never). */
  readonly every: number;
  readonly fault: Fault;
  /** @default any free port */
  readonly port?: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it as the service's endpoint. */
  readonly endpoint: string;
  /** Requests seen, and how many of them got the fault. */
  counts(): { readonly requests: number; readonly injected: number };
  close(): Promise<void>;
}

/**
 * An HTTP proxy that forwards requests to a service unchanged, but answers every `every`-th
 * one with a throttling fault (S3's 503 SlowDown, Lambda's 429) — deterministically, so a run
 * with faults can be repeated. A faulted request is read whole and never reaches the service,
 * as a throttled request never reaches S3 or Lambda.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ target: s3.endpoint, every: 7, fault: S3_SLOW_DOWN });
 * const client = new S3Client({ endpoint: proxy.endpoint, forcePathStyle: true });
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  let requests = 0;
  let injected = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
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
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${options.target} failed: ${error.message}`);
    });
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    requests += 1;
    if (options.every > 0 && requests % options.every === 0) {
      injected += 1;
      req.resume();
      req.once('end', () => {
        res.writeHead(options.fault.status, {
          ...options.fault.headers,
          'content-length': String(Buffer.byteLength(options.fault.body)),
        });
        res.end(options.fault.body);
      });
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ requests, injected }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
