import { type IncomingMessage, type OutgoingHttpHeaders, request } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Sends a request of a front-door filter to the service behind the door (s3rver): the client's
 * path and headers, with `headers` set (undefined removes one), and resolves with the reply,
 * its body not yet read.
 *
 * @example
 * ```ts
 * const head = await upstream(target, req, { method: 'HEAD', headers: { range: undefined } });
 * const size = Number(head.headers['content-length']);
 * head.resume();
 * ```
 */
export function upstream(
  target: URL,
  req: IncomingMessage,
  change: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string | undefined>>;
    readonly body?: Buffer;
  } = {},
): Promise<IncomingMessage> {
  const headers: OutgoingHttpHeaders = { ...req.headers };
  for (const [name, value] of Object.entries(change.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return new Promise((resolve, reject) => {
    const out = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: change.method ?? req.method,
        path: req.url,
        headers,
      },
      resolve,
    );
    out.once('error', reject);
    out.end(change.body);
  });
}

/**
 * A reply's headers as one string each (a front-door answer's form), less `drop`.
 *
 * @example
 * ```ts
 * const headers = replyHeaders(reply, ['content-length']);
 * ```
 */
export function replyHeaders(reply: IncomingMessage, drop: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers)) {
    if (value === undefined || drop.includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The first `length` bytes of a stream; the source is destroyed once they have passed.
 *
 * @example
 * ```ts
 * const firstByte = take(reply, 1);
 * ```
 */
export function take(source: Readable, length: number): Readable {
  async function* first(): AsyncGenerator<Buffer> {
    let left = length;
    try {
      for await (const chunk of source) {
        if (left <= 0) break;
        const part = (chunk as Buffer).subarray(0, left);
        left -= part.length;
        yield part;
        if (left <= 0) break;
      }
    } finally {
      source.destroy();
    }
  }
  return Readable.from(first());
}
