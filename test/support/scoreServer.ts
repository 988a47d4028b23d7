import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One request the scoring server received. */
export interface ScoreRequest {
  readonly id: number;
  readonly idempotencyKey: string | undefined;
  /** What it answered. */
  readonly status: number;
}

/** A real HTTP scoring service on 127.0.0.1, recording every request and what it answered. */
export interface ScoreServer {
  readonly url: string;
  readonly requests: ScoreRequest[];
  /** Ids answered 400 (a failed call, never retried) while listed. */
  readonly rejected: Set<number>;
  /** Ids answered 503 on their first request only (a retried throttle). */
  readonly throttledOnce: Set<number>;
  /** When each request arrived (ms, performance.now()), and the most in flight at once. */
  readonly arrivals: number[];
  readonly maxInFlight: () => number;
  /** Resets the recorded requests, arrivals and in-flight peak, and the injected failures. */
  reset(): void;
  close(): Promise<void>;
}

/** The score of `x`, as the service computes it (tests recompute it on their own). */
export const scoreOf = (x: number): number => (x * 37 + 11) % 1000;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/**
 * Starts the scoring service on a free port: `POST /score` with `{ id, x }` answers
 * `{ id, score }` after a random delay of up to `maxDelayMs`.
 *
 * @example
 * ```ts
 * const server = await startScoreServer();
 * process.env.STEPMR_TEST_SCORE_URL = server.url;
 * ```
 */
export async function startScoreServer(maxDelayMs = 4): Promise<ScoreServer> {
  const requests: ScoreRequest[] = [];
  const rejected = new Set<number>();
  const throttledOnce = new Set<number>();
  const arrivals: number[] = [];
  let inFlight = 0;
  let peak = 0;
  const server: Server = createServer(async (req, res) => {
    arrivals.push(performance.now());
    inFlight++;
    peak = Math.max(peak, inFlight);
    const { id, x } = JSON.parse(await body(req)) as { id: number; x: number };
    const key = req.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(key) ? key[0] : key;
    const seen = requests.some((r) => r.id === id);
    const status =
      req.url !== '/score' || req.method !== 'POST'
        ? 404
        : rejected.has(id)
          ? 400
          : throttledOnce.has(id) && !seen
            ? 503
            : 200;
    requests.push({ id, idempotencyKey, status });
    await new Promise((done) => setTimeout(done, Math.random() * maxDelayMs));
    inFlight--;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { id, score: scoreOf(x) } : { message: `status ${status}` }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejected,
    throttledOnce,
    arrivals,
    maxInFlight: () => peak,
    reset() {
      requests.length = 0;
      arrivals.length = 0;
      peak = 0;
      rejected.clear();
      throttledOnce.clear();
    },
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
