import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { conditionalWrites } from '../../../../framework/runtime/offline/conditionalWrites.js';

const servers: { close(): void; closeAllConnections(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server whose forward keeps each answer until the test ends it; it lists what it forwarded. */
async function heldServer() {
  const forwarded: { url: string; res: ServerResponse }[] = [];
  const arrivals: (() => void)[] = [];
  // No request here carries a condition, so the handler never asks the target.
  const guard = conditionalWrites({ target: 'http://127.0.0.1:9' });
  const server = createServer((req, res) =>
    guard(req, res, (forwardedReq, forwardedRes) => {
      forwardedReq.resume();
      forwarded.push({ url: forwardedReq.url ?? '', res: forwardedRes });
      arrivals.shift()?.();
    }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const put = (path: string) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path, agent: false });
    req.on('error', () => undefined);
    req.end('body');
    return req;
  };
  const nextArrival = () => new Promise<void>((resolve) => arrivals.push(resolve));
  return { forwarded, put, nextArrival };
}

describe('conditionalWrites', () => {
  it('runs writes of one key one at a time, and a client gone while waiting does not hold the key', async () => {
    const server = await heldServer();
    const first = server.nextArrival();
    server.put('/b/k?x-id=PutObject');
    await first;
    const gone = server.put('/b/k?x-id=PutObject'); // waits behind the first
    server.put('/b/other'); // another key does not wait
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.forwarded.map((each) => each.url)).toEqual(['/b/k?x-id=PutObject', '/b/other']);
    gone.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = server.nextArrival();
    server.forwarded[0]?.res.end();
    server.put('/b/k');
    await third;
    expect(server.forwarded.map((each) => each.url)).toEqual(['/b/k?x-id=PutObject', '/b/other', '/b/k']);
  });
});
