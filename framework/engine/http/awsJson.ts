import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';

/** Largest request body read: a 256 KiB input is up to 1.5 MiB as escaped JSON text. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Reads a request body, refusing one larger than `limit` bytes with a `ValidationException`.
 *
 * @example
 * ```ts
 * const body = await readBody(req);
 * ```
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError('ValidationException', `The request body is over ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The JSON object of an AWS JSON 1.0 request body (an empty body is `{}`); anything else is a
 * `SerializationException`, as AWS answers it.
 *
 * @example
 * ```ts
 * const input = parseJsonBody(await readBody(req));
 * ```
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('SerializationException', 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError('SerializationException', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/**
 * Sends an AWS JSON 1.0 response.
 *
 * @example
 * ```ts
 * sendJson(res, 200, { executionArn, startDate: epochSeconds(date) });
 * ```
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

/**
 * Sends an API error as AWS JSON 1.0 does: `{"__type": …, "message": …}`, with the type also
 * in `x-amzn-ErrorType`. Any error that is not an {@link ApiError} is a 500 `InternalFailure`.
 *
 * @example
 * ```ts
 * sendJsonError(res, new ApiError('InvalidArn', "Invalid Arn: 'x'"));
 * ```
 */
export function sendJsonError(res: ServerResponse, error: unknown): void {
  const e =
    error instanceof ApiError
      ? error
      : new ApiError('InternalFailure', `Internal error: ${(error as Error)?.message ?? String(error)}`, 500);
  const text = JSON.stringify({ __type: e.type, message: e.message });
  res.writeHead(e.status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    'x-amzn-ErrorType': e.type,
  });
  res.end(text);
}

/**
 * A date as AWS JSON 1.0 sends timestamps: epoch seconds, with milliseconds as the fraction.
 *
 * @example
 * ```ts
 * epochSeconds(new Date('2024-01-01T00:00:00.500Z')); // 1704067200.5
 * ```
 */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
