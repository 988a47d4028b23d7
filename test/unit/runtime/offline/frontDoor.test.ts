import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostFilter, signatureFilter } from '../../../../framework/runtime/offline/doorFilters.js';
import { type FrontDoor, startFrontDoor } from '../../../../framework/runtime/offline/frontDoor.js';
import {
  type S3rverProcess,
  startS3rverProcess,
} from '../../../../framework/runtime/offline/s3rverProcess.js';
import { newOfflineCredentials, Sha256 } from '../../../../framework/runtime/offline/sigv4Check.js';
import { stackHandler } from '../../../../framework/runtime/offline/stackApi.js';
import { tempDir } from '../../../e2e/helpers.js';
import { type Api, machineArn, startApi } from '../../engine/http/support.js';

/**
 * The front doors of the offline cloud, with the real SDK clients: only requests signed with
 * the run's own key reach s3rver, the Step Functions API and a Lambda backend; every other
 * request is refused with the service's own error and never gets there.
 */

const keys = newOfflineCredentials();
const other = newOfflineCredentials();
const tmp = tempDir('stepmr-door-');
const region = 'us-east-1';
const noSigning = { sign: async <T>(request: T) => request };
let s3rver: S3rverProcess;
let api: Api;
let lambdaBackend: Server;
const lambdaSeen: string[] = [];
const doors: Record<'s3' | 'states' | 'lambda', FrontDoor> = {} as never;

beforeAll(async () => {
  s3rver = await startS3rverProcess({ directory: tmp.dir, buckets: ['data'], accessKeyId: keys.accessKeyId });
  api = await startApi(
    {},
    { fallback: stackHandler({ stacks: [{ name: 'stepmr-dev', outputs: { A: 'b' } }] }) },
  );
  lambdaBackend = createServer((req, res) => {
    lambdaSeen.push(`${req.method} ${req.url}`);
    req
      .resume()
      .once('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((done) => lambdaBackend.listen(0, '127.0.0.1', done));
  const lambdaTarget = `http://127.0.0.1:${(lambdaBackend.address() as AddressInfo).port}`;
  const targets = { s3: s3rver.endpoint, states: api.server.endpoint, lambda: lambdaTarget };
  for (const door of ['s3', 'states', 'lambda'] as const) {
    doors[door] = await startFrontDoor({
      target: targets[door],
      readBodies: door !== 's3',
      filters: [hostFilter(door), signatureFilter(door, keys)],
    });
  }
}, 30_000);

afterAll(async () => {
  for (const door of Object.values(doors)) await door.close();
  await new Promise((done) => lambdaBackend?.close(done));
  await api?.close();
  await s3rver?.stop();
  tmp.cleanup();
});

const s3 = (credentials = keys, extra = {}) =>
  new S3Client({
    endpoint: doors.s3.endpoint,
    region,
    credentials,
    forcePathStyle: true,
    maxAttempts: 1,
    ...extra,
  });
const sfn = (credentials = keys, extra = {}) =>
  new SFNClient({ endpoint: doors.states.endpoint, region, credentials, maxAttempts: 1, ...extra });
const lambda = (credentials = keys, extra = {}) =>
  new LambdaClient({ endpoint: doors.lambda.endpoint, region, credentials, maxAttempts: 1, ...extra });

/** The error a promise rejects with: its name and HTTP status. */
async function refusal(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  const error = (await promise.then(
    () => new Error('the request was accepted'),
    (e: unknown) => e,
  )) as Error & { $metadata?: { httpStatusCode?: number } };
  return { name: error.name, status: error.$metadata?.httpStatusCode };
}

describe('the S3 front door', () => {
  it('takes requests signed with the run key', async () => {
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: 'data', Key: 'a.txt', Body: 'hello' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'data', Key: 'a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  it('refuses another key, a wrong secret and no signature, and the object is never written', async () => {
    const wrongSecret = { accessKeyId: keys.accessKeyId, secretAccessKey: other.secretAccessKey };
    const put = (client: S3Client, Key: string) =>
      refusal(client.send(new PutObjectCommand({ Bucket: 'data', Key, Body: 'evil' })));
    expect(await put(s3(other), 'k1')).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
    expect(await put(s3(wrongSecret), 'k2')).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await put(s3(keys, { signer: noSigning }), 'k3')).toEqual({ name: 'AccessDenied', status: 403 });
    for (const Key of ['k1', 'k2', 'k3']) {
      expect(await refusal(s3().send(new HeadObjectCommand({ Bucket: 'data', Key })))).toEqual({
        name: 'NotFound',
        status: 404,
      });
    }
  });

  it('takes a presigned GET with the run key, and refuses one with another key or past its expiry', async () => {
    const presign = async (credentials: typeof keys, signingDate = new Date()) => {
      const signer = new SignatureV4({
        credentials,
        region,
        service: 's3',
        sha256: Sha256,
        uriEscapePath: false,
      });
      const url = new URL(`${doors.s3.endpoint}/data/a.txt`);
      const signed = await signer.presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          query: {},
          headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        },
        {
          signingDate,
          expiresIn: 60,
          unhoistableHeaders: new Set(['x-amz-content-sha256']),
          unsignableHeaders: new Set(['x-amz-content-sha256']),
        },
      );
      return `${url.origin}${url.pathname}?${new URLSearchParams(signed.query as Record<string, string>)}`;
    };
    const good = await fetch(await presign(keys));
    expect([good.status, await good.text()]).toEqual([200, 'hello']);
    expect((await fetch(await presign(other))).status).toBe(403);
    const stale = await fetch(await presign(keys, new Date(Date.now() - 120_000)));
    expect([stale.status, await stale.text()]).toEqual([403, expect.stringContaining('expired')]);
  });

  it('leaves s3rver taking only the run key id, not its well-known S3RVER', async () => {
    const direct = new S3Client({
      endpoint: s3rver.endpoint,
      region,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
      maxAttempts: 1,
    });
    expect((await refusal(direct.send(new HeadObjectCommand({ Bucket: 'data', Key: 'a.txt' })))).status).toBe(
      403,
    );
    direct.destroy();
  });
});

describe('the Step Functions and CloudFormation front door', () => {
  it('takes requests signed with the run key', async () => {
    const { stateMachines = [] } = await sfn().send(new ListStateMachinesCommand({}));
    expect(stateMachines.map((m) => m.name)).toContain('double');
    const cfn = new CloudFormationClient({ endpoint: doors.states.endpoint, region, credentials: keys });
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: 'stepmr-dev' }));
    expect(Stacks[0]?.Outputs).toEqual([{ OutputKey: 'A', OutputValue: 'b' }]);
    const stranger = new CloudFormationClient({
      endpoint: doors.states.endpoint,
      region,
      credentials: other,
      maxAttempts: 1,
    });
    expect(await refusal(stranger.send(new DescribeStacksCommand({})))).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
    });
  });

  it('refuses another key, a wrong secret and no signature; no execution starts', async () => {
    const start = (client: SFNClient, name: string) =>
      refusal(
        client.send(
          new StartExecutionCommand({ stateMachineArn: machineArn('double'), name, input: '{"n":1}' }),
        ),
      );
    const wrongSecret = { accessKeyId: keys.accessKeyId, secretAccessKey: other.secretAccessKey };
    expect(await start(sfn(other), 'x1')).toEqual({ name: 'UnrecognizedClientException', status: 403 });
    expect(await start(sfn(wrongSecret), 'x2')).toEqual({ name: 'InvalidSignatureException', status: 403 });
    expect(await start(sfn(keys, { signer: noSigning }), 'x3')).toEqual({
      name: 'MissingAuthenticationTokenException',
      status: 403,
    });
    expect(api.engine.listExecutions({ stateMachineArn: machineArn('double') }).executions).toEqual([]);
  });

  it('refuses a signed request whose body was changed on the way, and one signed 20 minutes ago', async () => {
    const body = JSON.stringify({
      stateMachineArn: machineArn('double'),
      name: 'tampered',
      input: '{"n":1}',
    });
    const send = async (tamper: boolean, signingDate = new Date()) => {
      const signed = await sign(
        'states',
        doors.states.endpoint,
        body,
        { 'x-amz-target': 'AWSStepFunctions.StartExecution', 'content-type': 'application/x-amz-json-1.0' },
        signingDate,
      );
      return rawPost(
        doors.states.endpoint,
        signed.headers,
        tamper ? body.replace('tampered', 'tamperer') : body,
      );
    };
    expect((await send(true)).status).toBe(403);
    const stale = await send(false, new Date(Date.now() - 20 * 60_000));
    expect([stale.status, stale.headers['x-amzn-errortype']]).toEqual([403, 'InvalidSignatureException']);
    expect(api.engine.listExecutions({ stateMachineArn: machineArn('double') }).executions).toEqual([]);
  });

  it('refuses a correctly signed request whose Host is another name (DNS rebinding)', async () => {
    const port = new URL(doors.states.endpoint).port;
    const body = '{}';
    const headers = {
      'x-amz-target': 'AWSStepFunctions.ListStateMachines',
      'content-type': 'application/x-amz-json-1.0',
    };
    const forged = await sign('states', `http://evil.example:${port}`, body, headers);
    const answer = await rawPost(doors.states.endpoint, forged.headers, body);
    expect([answer.status, answer.headers['x-amzn-errortype']]).toEqual([403, 'AccessDeniedException']);
    expect(answer.body).toContain('evil.example');
    // The same request addressed to localhost gets through.
    const local = await sign('states', `http://localhost:${port}`, body, headers);
    expect((await rawPost(doors.states.endpoint, local.headers, body)).status).toBe(200);
  });
});

describe('the Lambda front door', () => {
  it('forwards an Invoke signed with the run key, and nothing else', async () => {
    const invoke = (client: LambdaClient) =>
      client.send(new InvokeCommand({ FunctionName: 'stepmr-dev-map', Payload: Buffer.from('{}') }));
    const before = lambdaSeen.length;
    expect(await refusal(invoke(lambda(other)))).toEqual({
      name: 'UnrecognizedClientException',
      status: 403,
    });
    expect(await refusal(invoke(lambda(keys, { signer: noSigning })))).toEqual({
      name: 'MissingAuthenticationTokenException',
      status: 403,
    });
    expect(lambdaSeen.length).toBe(before);
    const done = await invoke(lambda());
    expect(Buffer.from(done.Payload ?? []).toString()).toBe('{"ok":true}');
    expect(lambdaSeen.slice(before)).toEqual(['POST /2015-03-31/functions/stepmr-dev-map/invocations']);
  });
});

/** A POST signed by the SDK's signer for `endpoint` (whose host goes into the Host header). */
async function sign(
  service: string,
  endpoint: string,
  body: string,
  headers: Record<string, string>,
  signingDate = new Date(),
) {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ credentials: keys, region, service, sha256: Sha256 });
  return signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      path: '/',
      query: {},
      headers: { ...headers, host: url.host },
      body,
    },
    { signingDate },
  );
}

/** Sends a POST to `endpoint` with exactly these headers (Host included), by node:http. */
function rawPost(
  endpoint: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
