import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { delegateResultSchema } from '../../../framework/contract/delegate.js';
import { lambda } from '../../../framework/delegate/builders.js';
import { delegate } from '../../../framework/delegate/runCalls.js';
import {
  type CallServer,
  type ReceivedRequest,
  type Reply,
  startCallServer,
} from '../../support/callServer.js';

let server: CallServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function clientContext(req: ReceivedRequest): { custom?: { idempotencyKey?: string } } {
  return JSON.parse(Buffer.from(req.headers['x-amz-client-context'] ?? '', 'base64').toString('utf8'));
}

/** The Lambda Invoke REST API, as the service answers it, for a few functions. */
function lambdaService() {
  const busyCalls = new Map<string, number>();
  return (req: ReceivedRequest): Reply => {
    const name = decodeURIComponent(INVOKE.exec(req.path)?.[1] ?? '');
    if (req.method !== 'POST' || name === '') return { status: 404 };
    const payload = req.body === '' ? null : JSON.parse(req.body);
    const error = (status: number, type: string, message: string, headers: Record<string, string> = {}) => ({
      status,
      headers: { 'x-amzn-errortype': type, ...headers },
      json: { Type: 'User', message },
    });
    switch (name) {
      case 'echo':
        return { headers: { 'x-amz-executed-version': '$LATEST' }, json: { echo: payload } };
      case 'boom':
        return {
          headers: { 'x-amz-function-error': 'Unhandled' },
          json: { errorType: 'BoomError', errorMessage: `it broke on ${JSON.stringify(payload)}`, trace: [] },
        };
      case 'busy': {
        const key = clientContext(req).custom?.idempotencyKey ?? '';
        const n = (busyCalls.get(key) ?? 0) + 1;
        busyCalls.set(key, n);
        return n <= 2
          ? error(429, 'TooManyRequestsException', 'Rate exceeded', { 'retry-after': '0' })
          : { json: { done: n } };
      }
      default:
        return error(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    }
  };
}

describe('Lambda tasks, through the real Lambda client against the Invoke API', () => {
  it('invokes with the payload, gives the outputs in order, and retries throttling with one key', async () => {
    server = await startCallServer(lambdaService());
    const client = new LambdaClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const tasks = [
      ...Array.from({ length: 30 }, (_, i) => lambda('echo').invoke({ i })),
      lambda('boom').invoke({ i: 30 }),
      lambda('busy').invoke({ i: 31 }),
      lambda('missing').invoke(),
    ];
    const results = await delegate(tasks, { jobId: 'lambda-job', baseDelayMs: 5 }, { lambda: () => client });
    expect(results.slice(0, 30).map((r) => [r.ok, r.status, r.output])).toEqual(
      Array.from({ length: 30 }, (_, i) => [true, 200, { echo: { i } }]),
    );
    expect(results[30]).toMatchObject({ ok: false, status: 500, attempts: 1, error: { name: 'BoomError' } });
    expect(results[30]?.error?.message).toBe('Lambda boom raised: it broke on {"i":30}');
    expect(results[31]).toMatchObject({ ok: true, attempts: 3, output: { done: 3 } });
    expect(results[32]).toMatchObject({
      ok: false,
      status: 404,
      attempts: 1,
      error: { name: 'ResourceNotFoundException' },
    });
    // What the service saw: synchronous invocations, each attempt with its task's key.
    const keys = server.requests.map((r) => clientContext(r).custom?.idempotencyKey);
    expect(keys.filter((k) => k === 'lambda-job-31')).toHaveLength(3);
    expect(server.requests.every((r) => r.headers['x-amz-invocation-type'] === 'RequestResponse')).toBe(true);
    expect(server.requests).toHaveLength(30 + 1 + 3 + 1);
    // Every result, failed ones included, is what the contract reads back from storage.
    for (const r of results) expect(delegateResultSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });
});
