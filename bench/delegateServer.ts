import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The service the delegation bench calls, in its own process so that it does not share the
 * client's event loop: every answer comes after `--latency-ms` (default 20); under
 * `/throttle`, a request arriving while `--limit` (default 50) are in flight is answered 429
 * at once. `GET /_stats` gives, and forgets, every request since the last one:
 * `[arrival ms since start, status]`. Prints its port on the first line of stdout.
 */
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const latencyMs = opt('latency-ms', 20);
const limit = opt('limit', 50);
const start = performance.now();
let inFlight = 0;
let seen: [number, number][] = [];

const server = createServer((req, res) => {
  if (req.url === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(seen));
    seen = [];
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now() - start;
    if (req.url?.startsWith('/throttle') && inFlight >= limit) {
      seen.push([at, 429]);
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end('{"message":"Too Many Requests"}');
      return;
    }
    inFlight += 1;
    seen.push([at, 200]);
    setTimeout(() => {
      inFlight -= 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echo: Buffer.concat(chunks).length }));
    }, latencyMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
