import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../../framework/engine/index.js';
import { LambdaInvoker } from '../../../../framework/runtime/aws/LambdaInvoker.js';
import { waitFor } from '../../engine/http/support.js';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const USER_ERROR = {
  errorType: 'UserCodeError',
  errorMessage: 'bad record at line 3',
  trace: ['at map (job.ts:4)'],
};

/** serverless-offline's shape of every handler error: errorType Error, the name in the trace. */
const OFFLINE_ERROR = {
  errorMessage: 'the scratch disk was busy',
  errorType: 'Error',
  trace: ['Stepmr.TransientError: the scratch disk was busy', '    at onError (middleware.ts:42:27)'],
};

/** Requests the fake Lambda received: function name and parsed payload. */
const received: { name: string; payload: unknown }[] = [];
/** Responses of `slow` invocations, held until the test ends them. */
const held: ServerResponse[] = [];
const closed: string[] = [];

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': 'req-1', ...headers });
  res.end(text);
}

/** The Lambda Invoke REST API: POST /2015-03-31/functions/<name>/invocations. */
async function lambdaApi(req: IncomingMessage, res: ServerResponse) {
  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (req.method !== 'POST' || !match) return reply(res, 404, { message: 'no route' });
  const name = decodeURIComponent(match[1] as string);
  received.push({ name, payload: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
  switch (name.split(/[:-]/).pop()) {
    case 'echo':
      return reply(res, 200, { echoed: received.at(-1)?.payload, note: 'ünïcode' });
    case 'throws':
      return reply(res, 200, USER_ERROR, { 'X-Amz-Function-Error': 'Unhandled' });
    case 'offline':
      return reply(res, 200, OFFLINE_ERROR, { 'X-Amz-Function-Error': 'Unhandled' });
    case 'late':
      return reply(
        res,
        200,
        {
          errorMessage: '[504] - Lambda timeout.',
          errorType: 'Error',
          trace: ['Error: [504] - Lambda timeout.'],
        },
        { 'X-Amz-Function-Error': 'Unhandled' },
      );
    case 'plain':
      return reply(
        res,
        200,
        { ...OFFLINE_ERROR, trace: ['Error: plain', '    at f (x.js:1)'] },
        {
          'X-Amz-Function-Error': 'Unhandled',
        },
      );
    case 'busy':
      return reply(
        res,
        429,
        {
          Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
          Type: 'User',
          message: 'Rate Exceeded.',
        },
        { 'x-amzn-ErrorType': 'TooManyRequestsException' },
      );
    case 'broken':
      return reply(
        res,
        500,
        { Type: 'Service', message: 'internal' },
        { 'x-amzn-ErrorType': 'ServiceException' },
      );
    case 'slow':
      res.on('close', () => closed.push(name));
      held.push(res);
      return;
    default:
      return reply(
        res,
        404,
        { Type: 'User', message: `Function not found: ${name}` },
        { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
      );
  }
}

let server: Server;
let client: LambdaClient;

beforeAll(async () => {
  server = createServer((req, res) => void lambdaApi(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new LambdaClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  for (const res of held) res.destroy();
  client.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('LambdaInvoker', () => {
  it('invokes a function with its payload and returns its JSON response and size', async () => {
    const invoker = new LambdaInvoker({ client });
    const payload = { splits: [1, 2], text: 'é' };
    const result = await invoker.invoke(ARN('echo'), payload);
    const expected = { echoed: payload, note: 'ünïcode' };
    expect(result).toEqual({ payload: expected, responseBytes: Buffer.byteLength(JSON.stringify(expected)) });
    expect(received.at(-1)).toEqual({ name: ARN('echo'), payload });
  });

  it('calls the FunctionName that the mapping gives', async () => {
    const invoker = new LambdaInvoker({
      client,
      functionName: (arn) => `stepmr-dev-${arn.split(':').pop()}`,
    });
    await invoker.invoke(ARN('echo'), {});
    expect(received.at(-1)?.name).toBe('stepmr-dev-echo');
  });

  it('resolves a function error with errorType, errorMessage and trace', async () => {
    const result = await new LambdaInvoker({ client }).invoke(ARN('throws'), {});
    expect(result).toEqual({
      payload: USER_ERROR,
      functionError: USER_ERROR,
      responseBytes: Buffer.byteLength(JSON.stringify(USER_ERROR)),
    });
  });

  it('with errorTypeFromTrace, names an error reported as bare Error by its trace', async () => {
    const invoker = new LambdaInvoker({ client, errorTypeFromTrace: true });
    const offline = await invoker.invoke(ARN('offline'), {});
    expect(offline.functionError?.errorType).toBe('Stepmr.TransientError');
    expect(offline.payload).toEqual({ ...OFFLINE_ERROR, errorType: 'Stepmr.TransientError' });
    expect((await invoker.invoke(ARN('plain'), {})).functionError?.errorType).toBe('Error');
    // Its function timeout is Lambda's Sandbox.Timedout, which the state machine retries.
    expect((await invoker.invoke(ARN('late'), {})).functionError?.errorType).toBe('Sandbox.Timedout');
    // Without it, as on AWS, errorType is taken as it is.
    const plain = await new LambdaInvoker({ client }).invoke(ARN('offline'), {});
    expect(plain.functionError?.errorType).toBe('Error');
    expect((await invoker.invoke(ARN('throws'), {})).functionError).toEqual(USER_ERROR);
  });

  it.each([
    [
      'busy',
      'Lambda.TooManyRequestsException',
      /Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException/,
    ],
    ['nope', 'Lambda.ResourceNotFoundException', /Function not found: .*nope/],
    ['broken', 'Lambda.ServiceException', /Status Code: 500/],
  ])('rejects a service failure of %s with the Step Functions name %s', async (fn, name, message) => {
    const error = await new LambdaInvoker({ client }).invoke(ARN(fn), {}).catch((e) => e);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('rejects with Lambda.SdkClientException when the service cannot be reached', async () => {
    const nowhere = new LambdaClient({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const error = await new LambdaInvoker({ client: nowhere }).invoke(ARN('echo'), {}).catch((e) => e);
    nowhere.destroy();
    expect(error.name).toBe('Lambda.SdkClientException');
    expect(error.message).toMatch(/^Unable to execute HTTP request: /);
  });

  it('fails a call past timeoutSeconds with Sandbox.Timedout and abandons it', async () => {
    let fire: () => void = () => undefined;
    const timers: number[] = [];
    const invoker = new LambdaInvoker({
      client,
      deps: {
        timer: (ms, f) => {
          timers.push(ms);
          fire = f;
          return () => undefined;
        },
      },
    });
    const before = held.length;
    const pending = invoker.invoke(ARN('slow'), {}, { timeoutSeconds: 3 });
    await waitFor(() => held.length > before);
    fire();
    const result = await pending;
    expect(timers).toEqual([3000]);
    expect(result.functionError).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 3.00 seconds',
    });
    await waitFor(() => closed.length > 0);
  });

  it('rejects when its signal aborts (the execution was stopped), closing the request', async () => {
    const controller = new AbortController();
    const before = held.length;
    const closedBefore = closed.length;
    const pending = new LambdaInvoker({ client }).invoke(ARN('slow'), {}, { signal: controller.signal });
    await waitFor(() => held.length > before);
    controller.abort();
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).not.toMatch(/^Lambda\./);
    await waitFor(() => closed.length > closedBefore);
  });

  it('lets the engine retry and catch Lambda service errors by name', async () => {
    const engine = new Engine({
      invoker: new LambdaInvoker({ client }),
      deps: { sleep: async () => undefined },
    });
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'busy', 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], MaxAttempts: 2 }],
          Catch: [
            { ErrorEquals: ['Lambda.TooManyRequestsException'], ResultPath: '$.error', Next: 'Caught' },
          ],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    };
    const before = received.filter((r) => r.name.endsWith(':busy')).length;
    const done = await engine.startExecution({ definition, input: { job: 1 } }).done;
    expect(done.status).toBe('SUCCEEDED');
    expect((done.output as { error: { Error: string } }).error.Error).toBe('Lambda.TooManyRequestsException');
    // One call and two retries.
    expect(received.filter((r) => r.name.endsWith(':busy')).length - before).toBe(3);
  });
});
