import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegate, http } from '../../framework/index.js';

/**
 * `delegate(tasks, { on: 'embedded' })`: the tasks run as the built-in delegate job in the
 * embedded engine (plan, delegate tasks on worker threads, commit), and come back in input order.
 */

let server: Server | undefined;
let url = '';
const keys: string[] = [];

beforeAll(async () => {
  // Doubles `n`; refuses (400) every multiple of 7.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      keys.push(String(req.headers['idempotency-key']));
      const { n } = JSON.parse(body) as { n: number };
      res.writeHead(n % 7 === 0 ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(n % 7 === 0 ? { message: 'no' } : { doubled: n * 2 }));
    });
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/double`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
});

describe("delegate(tasks, { on: 'embedded' })", () => {
  it('runs the calls as a delegate job and gives one result per task in input order', async () => {
    const numbers = Array.from({ length: 45 }, (_, i) => 100 - i);
    const tasks = numbers.map((n) => http(url).post({ n }));
    const results = await delegate(tasks, {
      on: 'embedded',
      jobId: 'double-1',
      callsPerTask: 10,
      threads: 2,
      retries: 0,
    });
    expect(results.map(({ index, ok, status, output }) => ({ index, ok, status, output }))).toEqual(
      numbers.map((n, index) =>
        n % 7 === 0
          ? { index, ok: false, status: 400, output: { message: 'no' } }
          : { index, ok: true, status: 200, output: { doubled: n * 2 } },
      ),
    );
    // One call per task, each with the key of its position under the given job id.
    expect([...keys].sort()).toEqual(numbers.map((_, i) => `double-1-${i}`).sort());
  }, 120_000);
});
