import { afterEach, describe, expect, it } from 'vitest';
import { http, lambda } from '../../../framework/delegate/builders.js';
import { delegate, runCalls } from '../../../framework/delegate/runCalls.js';
import {
  type CallServer,
  type ReceivedRequest,
  type Reply,
  startCallServer,
} from '../../support/callServer.js';
import { rng } from '../../support/rng.js';

let server: CallServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers each idempotency key's attempts in turn from `script` (the last reply repeats). */
function scripted(script: (req: ReceivedRequest) => Reply[]) {
  const seen = new Map<string, number>();
  return (req: ReceivedRequest): Reply => {
    const key = req.headers['idempotency-key'] ?? '';
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const replies = script(req);
    return replies[Math.min(n, replies.length - 1)] as Reply;
  };
}

const fast = { baseDelayMs: 5, maxDelayMs: 2_000 };

describe('one call with its policy, against a real HTTP server', () => {
  it('gives exactly one result per task, in input order, whatever the latencies', async () => {
    const random = rng(15);
    const delays = Array.from({ length: 300 }, () => Math.floor(random() * 40));
    server = await startCallServer((req) => {
      const body = JSON.parse(req.body) as { i: number };
      return { json: { echo: body.i, square: body.i * body.i }, delayMs: delays[body.i] as number };
    });
    const endpoint = http(`${server.url}/score`);
    const tasks = delays.map((_, i) => endpoint.post({ i }));
    const results = await delegate(tasks, { jobId: 'order', concurrency: 32, ...fast });
    expect(results.map((r) => r.index)).toEqual(tasks.map((_, i) => i));
    // Independent expectation: what the server must answer for the i-th body.
    expect(results.map((r) => r.output)).toEqual(tasks.map((_, i) => ({ echo: i, square: i * i })));
    expect(results.every((r) => r.ok && r.status === 200 && r.attempts === 1)).toBe(true);
    expect(server.requests).toHaveLength(tasks.length);
    // Connections are kept alive: far fewer than one per call.
    expect(new Set(server.requests.map((r) => r.clientPort)).size).toBeLessThanOrEqual(64);
    // Completion order differs from input order: the latencies did reorder the answers.
    const arrival = server.requests.map((r) => (JSON.parse(r.body) as { i: number }).i);
    expect(arrival).not.toEqual([...arrival].sort((a, b) => a - b));
  });

  it('retries 429, 5xx, resets and timeouts, never 400, with exact attempt counts and one key', async () => {
    server = await startCallServer(
      scripted((req) => {
        switch (req.path) {
          case '/throttled':
            return [{ status: 429 }, { status: 429 }, { json: { done: true } }];
          case '/unavailable':
            return [{ status: 503 }];
          case '/reset':
            return [{ reset: true }, { json: { done: true } }];
          case '/slow':
            return [{ delayMs: 1_500, json: { late: true } }, { json: { done: true } }];
          case '/bad':
            return [{ status: 400, json: { message: 'field x is missing' } }];
          default:
            return [{ status: 404 }];
        }
      }),
    );
    const at = (path: string) => http(`${server?.url}${path}`).post({ path });
    const paths = ['/throttled', '/unavailable', '/reset', '/slow', '/bad'];
    const results = await delegate(paths.map(at), {
      jobId: 'retry-job',
      retries: 3,
      timeoutMs: 300,
      ...fast,
    });
    const byPath = Object.fromEntries(paths.map((p, i) => [p, results[i]]));
    expect(byPath['/throttled']).toMatchObject({
      ok: true,
      status: 200,
      attempts: 3,
      output: { done: true },
    });
    expect(byPath['/unavailable']).toMatchObject({ ok: false, status: 503, attempts: 4 });
    expect(byPath['/unavailable']?.error?.name).toBe('HttpError');
    expect(byPath['/reset']).toMatchObject({ ok: true, attempts: 2, output: { done: true } });
    expect(byPath['/slow']).toMatchObject({ ok: true, attempts: 2, output: { done: true } });
    expect(byPath['/bad']).toMatchObject({
      ok: false,
      status: 400,
      attempts: 1,
      output: { message: 'field x is missing' },
    });
    // What the server saw: as many requests as attempts, every one with its task's key.
    paths.forEach((path, i) => {
      const seen = server?.requests.filter((r) => r.path === path) ?? [];
      expect(seen).toHaveLength(results[i]?.attempts ?? -1);
      expect(new Set(seen.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`retry-job-${i}`]));
    });
  });

  it('reports a timeout and a refused connection after its retries', async () => {
    server = await startCallServer(() => ({ delayMs: 2_000, json: {} }));
    const closed = await startCallServer(() => ({ json: {} }));
    const refusedUrl = `${closed.url}/x`;
    await closed.close();
    const results = await delegate([http(`${server.url}/slow`).get(), http(refusedUrl).get()], {
      retries: 1,
      timeoutMs: 200,
      ...fast,
    });
    expect(results[0]).toMatchObject({ ok: false, status: 0, attempts: 2, error: { name: 'TimeoutError' } });
    expect(results[0]?.error?.message).toMatch(/did not answer within 200 ms/);
    expect(results[1]).toMatchObject({
      ok: false,
      status: 0,
      attempts: 2,
      error: { name: 'ConnectionError' },
    });
    expect(results[1]?.error?.message).toMatch(/ECONNREFUSED/);
    expect(server.requests).toHaveLength(2);
  });

  it('waits at least Retry-After (seconds, or an HTTP date) between attempts, measured by the server', async () => {
    server = await startCallServer(
      scripted((req) =>
        req.path === '/seconds'
          ? [{ status: 429, headers: { 'retry-after': '1' } }, { json: {} }]
          : [
              { status: 503, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } },
              { json: {} },
            ],
      ),
    );
    const results = await delegate([http(`${server.url}/seconds`).get(), http(`${server.url}/date`).get()], {
      jobId: 'wait',
      ...fast,
    });
    expect(results.map((r) => [r.ok, r.attempts])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    const [first, second] = server.byKey('wait-0');
    expect((second?.arrivedAt ?? 0) - (first?.arrivedAt ?? 0)).toBeGreaterThanOrEqual(1_000);
    const [dated, again] = server.byKey('wait-1');
    const until = Date.parse(dated?.reply?.headers?.['retry-after'] ?? '');
    expect(again?.arrivedWall ?? 0).toBeGreaterThanOrEqual(until);
  });

  it('does not retry when Retry-After asks for longer than maxDelayMs, and says why', async () => {
    server = await startCallServer(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const [result] = await delegate([http(`${server.url}/x`).get()], { maxDelayMs: 1_000 });
    expect(result).toMatchObject({ ok: false, status: 429, attempts: 1 });
    expect(result?.error?.message).toMatch(/Retry-After asks for 120 s, more than maxDelayMs/);
    expect(server.requests).toHaveLength(1);
  });

  it('does not follow redirects (a key or signature must not travel to another host)', async () => {
    server = await startCallServer((req) =>
      req.path === '/moved'
        ? { status: 302, headers: { location: 'http://127.0.0.2:1/steal?k=1' } }
        : { json: {} },
    );
    const [result] = await delegate([http(`${server.url}/moved`).get()]);
    expect(result).toMatchObject({ ok: false, status: 302, attempts: 1 });
    expect(result?.error?.message).toMatch(/redirects are not followed/);
    expect(server.requests).toHaveLength(1);
  });

  it('makes a failed result of a task that is not one, without calling anything', async () => {
    server = await startCallServer(() => ({ json: {} }));
    const good = http(`${server.url}/x`).get();
    const forged = {
      kind: 'http',
      method: 'GET',
      url: `${server.url}/x`,
      headers: { 'x-a': 'v\r\nx-b: injected' },
    };
    const results = await delegate([good, forged as never]);
    expect(results[0]).toMatchObject({ ok: true, attempts: 1 });
    expect(results[1]).toMatchObject({ ok: false, attempts: 0, error: { name: 'InvalidTaskError' } });
    expect(server.requests).toHaveLength(1);
  });

  it('stops on its signal: calls in flight are aborted and the run rejects with the reason', async () => {
    server = await startCallServer(() => ({ json: {}, delayMs: 5_000 }));
    const controller = new AbortController();
    const endpoint = http(`${server.url}/x`);
    const run = delegate(
      Array.from({ length: 20 }, () => endpoint.get()),
      { concurrency: 4, adaptive: false, signal: controller.signal },
    );
    while ((server?.requests.length ?? 0) < 4) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('stopped by the user'));
    await expect(run).rejects.toThrowError('stopped by the user');
    // The four calls in flight were the only ones made; none was retried after the abort.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests).toHaveLength(4);
  });

  it('refuses tasks outside the run’s allow list without calling them (a forged task aimed elsewhere)', async () => {
    server = await startCallServer(() => ({ json: {} }));
    const elsewhere = await startCallServer(() => ({ json: { leaked: true } }));
    try {
      const items = [
        { index: 0, task: http(`${server.url}/score`).post({ a: 1 }) },
        { index: 1, task: http(`${elsewhere.url}/collect`).post({ a: 1 }) },
        { index: 2, task: lambda('arn:aws:lambda:us-east-1:123456789012:function:other:live').invoke() },
      ];
      const results = await runCalls(items, {
        jobId: 'allow',
        allow: { origins: [server.url], functions: ['enrich'] },
      });
      expect(results[0]).toMatchObject({ ok: true, attempts: 1 });
      expect(results[1]).toMatchObject({ ok: false, attempts: 0, error: { name: 'InvalidTaskError' } });
      expect(results[1]?.error?.message).toMatch(/origin http:\/\/127\.0\.0\.1:\d+ is not among the origins/);
      expect(results[2]?.error?.message).toMatch(/Lambda function other is not among the functions/);
      expect(elsewhere.requests).toHaveLength(0);
      await expect(runCalls([], { jobId: 'allow', allow: { origins: ['ftp://x'] } })).rejects.toThrowError(
        /ftp:\/\/x/,
      );
    } finally {
      await elsewhere.close();
    }
  });
});
