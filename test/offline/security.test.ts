import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '../../framework/runtime/offline/sigv4Check.js';
import { tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild } from '../support/offlineCloud.js';

/**
 * The attacks on the offline cloud, replayed against `stepmr offline`: requests without the
 * run's key, or with another, at each of its three APIs through the real SDK clients and the
 * AWS CLI; a signed request from a page that rebound its own name to 127.0.0.1 (its Host
 * header stays its own); and a secret in the user's environment that the functions must not
 * see.
 */

const tmp = tempDir('stepmr-offsec-');
const canary = `canary-${randomBytes(8).toString('hex')}`;
let cloud: OfflineCloudChild;
let env: Readonly<Record<string, string>>;
const region = 'us-east-1';
const stranger = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const noSigning = { sign: async <T>(request: T) => request };

beforeAll(async () => {
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'), [], {
    STEPMR_TEST_SECRET_CANARY: canary,
    AWS_SESSION_TOKEN: canary,
  });
  env = cloud.env;
}, 180_000);

afterAll(async () => {
  await cloud?.stop();
  tmp.cleanup();
}, 60_000);

const keys = () => ({
  accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
  secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
});
const base = { region, maxAttempts: 1 };
const s3 = (extra: object = {}) =>
  new S3Client({
    ...base,
    endpoint: env.AWS_ENDPOINT_URL_S3 ?? '',
    forcePathStyle: true,
    credentials: keys(),
    ...extra,
  });
const sfn = (extra: object = {}) =>
  new SFNClient({ ...base, endpoint: env.AWS_ENDPOINT_URL_SFN ?? '', credentials: keys(), ...extra });
const lambda = (extra: object = {}) =>
  new LambdaClient({ ...base, endpoint: env.AWS_ENDPOINT_URL_LAMBDA ?? '', credentials: keys(), ...extra });

/** The error a promise rejects with: its name and HTTP status. */
async function refusal(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  const error = (await promise.then(
    () => new Error('the request was accepted'),
    (e: unknown) => e,
  )) as Error & { $metadata?: { httpStatusCode?: number } };
  return { name: error.name, status: error.$metadata?.httpStatusCode };
}

describe('the key of the run', () => {
  it('is printed with the endpoints, new for each run, and is no well-known key', () => {
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^STEPMR[A-Z2-7]{14}$/);
    expect(env.AWS_SECRET_ACCESS_KEY?.length).toBe(40);
    expect(cloud.stderr()).toContain(env.AWS_ACCESS_KEY_ID);
  });
});

describe('S3', () => {
  it('takes the printed key; refuses another key or none, and writes nothing for them', async () => {
    await s3().send(new PutObjectCommand({ Bucket: cloud.bucket, Key: 'sec/ok.txt', Body: 'fine' }));
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: cloud.bucket, Prefix: 'sec/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['sec/ok.txt']);

    const put = (client: S3Client, Key: string) =>
      refusal(client.send(new PutObjectCommand({ Bucket: cloud.bucket, Key, Body: 'evil' })));
    expect(await put(s3({ credentials: stranger }), 'sec/other.txt')).toEqual({
      name: 'InvalidAccessKeyId',
      status: 403,
    });
    expect(await put(s3({ signer: noSigning }), 'sec/anonymous.txt')).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    for (const Key of ['sec/other.txt', 'sec/anonymous.txt']) {
      expect(await refusal(s3().send(new HeadObjectCommand({ Bucket: cloud.bucket, Key })))).toEqual({
        name: 'NotFound',
        status: 404,
      });
    }
  });
});

describe('Step Functions', () => {
  it('takes the printed key; refuses another key or none, and starts nothing for them', async () => {
    const { stateMachines = [] } = await sfn().send(new ListStateMachinesCommand({}));
    const stateMachineArn = stateMachines[0]?.stateMachineArn ?? '';
    expect(stateMachineArn).toMatch(/:stateMachine:stepmr-dev-jobs$/);
    const start = (client: SFNClient, name: string) =>
      refusal(client.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' })));
    expect(await start(sfn({ credentials: stranger }), 'intruder-1')).toEqual({
      name: 'UnrecognizedClientException',
      status: 403,
    });
    expect(await start(sfn({ signer: noSigning }), 'intruder-2')).toEqual({
      name: 'MissingAuthenticationTokenException',
      status: 403,
    });
    const { executions = [] } = await sfn().send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions.filter((e) => e.name?.startsWith('intruder'))).toEqual([]);
  });
});

describe('Lambda', () => {
  it('runs a function for the printed key only', async () => {
    const invoke = (client: LambdaClient) =>
      client.send(
        new InvokeCommand({ FunctionName: 'stepmr-dev-map', Payload: Buffer.from('{"not":"a task"}') }),
      );
    expect(await refusal(invoke(lambda({ credentials: stranger })))).toEqual({
      name: 'UnrecognizedClientException',
      status: 403,
    });
    expect(await refusal(invoke(lambda({ signer: noSigning })))).toEqual({
      name: 'MissingAuthenticationTokenException',
      status: 403,
    });
    // The map function ran, and refused the event that is no task of its stack.
    const ran = await invoke(lambda());
    expect(ran.FunctionError).toBe('Unhandled');
    expect(Buffer.from(ran.Payload ?? []).toString()).toMatch(/errorMessage/);
  });
});

describe('a request from a page that rebound its name to 127.0.0.1 (DNS rebinding)', () => {
  it('is refused at each API even when signed with the key, as its Host header is its own', async () => {
    for (const [service, endpoint] of [
      ['states', env.AWS_ENDPOINT_URL_SFN],
      ['s3', env.AWS_ENDPOINT_URL_S3],
      ['lambda', env.AWS_ENDPOINT_URL_LAMBDA],
    ] as const) {
      const port = new URL(endpoint ?? '').port;
      const signer = new SignatureV4({ credentials: keys(), region, service, sha256: Sha256 });
      const path = service === 's3' ? `/${cloud.bucket}` : '/';
      const signed = await signer.sign({
        method: 'GET',
        protocol: 'http:',
        hostname: 'evil.example',
        path,
        query: {},
        headers: { host: `evil.example:${port}` },
      });
      const status = await new Promise<number>((resolve, reject) => {
        httpRequest({ hostname: '127.0.0.1', port, path, headers: signed.headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect([service, status]).toEqual([service, 403]);
    }
  });
});

/** Runs the AWS CLI (v1, botocore: an independent client) with the printed variables and `more`. */
function aws(
  args: string[],
  more: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return new Promise((resolve) => {
    execFile(
      'aws',
      args,
      {
        env: {
          ...clean,
          ...env,
          AWS_DEFAULT_REGION: region,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          ...more,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the AWS CLI with the printed variables', () => {
  it('lists, uploads and presigns with the key, and is refused with another', async () => {
    const file = join(tmp.dir, 'cli.bin');
    writeFileSync(file, randomBytes(100_000));
    const up = await aws(['s3', 'cp', file, `s3://${cloud.bucket}/sec/cli.bin`]);
    expect(up.stderr).toBe('');
    const got = await s3().send(new GetObjectCommand({ Bucket: cloud.bucket, Key: 'sec/cli.bin' }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(readFileSync(file))).toBe(true);

    const ls = await aws(['s3', 'ls', `s3://${cloud.bucket}/sec/`]);
    expect([ls.code, ls.stdout]).toEqual([0, expect.stringContaining('cli.bin')]);
    const machines = await aws([
      'stepfunctions',
      'list-state-machines',
      '--endpoint-url',
      env.AWS_ENDPOINT_URL_SFN ?? '',
    ]);
    expect(machines.code).toBe(0);
    expect(JSON.parse(machines.stdout).stateMachines[0].name).toBe('stepmr-dev-jobs');

    // The CLI v1 presigns with Signature Version 2 unless told otherwise: refused, saying how.
    const presign = (more: Record<string, string> = {}) =>
      aws(['s3', 'presign', `s3://${cloud.bucket}/sec/ok.txt`, '--expires-in', '60'], more);
    const v2 = await fetch((await presign()).stdout.trim());
    expect([v2.status, await v2.text()]).toEqual([
      400,
      expect.stringContaining('s3.signature_version = s3v4'),
    ]);
    const config = join(tmp.dir, 'aws-config');
    writeFileSync(config, '[default]\ns3 =\n  signature_version = s3v4\n');
    const fetched = await fetch((await presign({ AWS_CONFIG_FILE: config })).stdout.trim());
    expect([fetched.status, await fetched.text()]).toEqual([200, 'fine']);

    const other = {
      AWS_ACCESS_KEY_ID: stranger.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stranger.secretAccessKey,
    };
    const denied = await aws(['s3', 'ls', `s3://${cloud.bucket}/sec/`], other);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('InvalidAccessKeyId');
    const deniedSfn = await aws(['stepfunctions', 'list-state-machines'], other);
    expect(deniedSfn.code).not.toBe(0);
    expect(deniedSfn.stderr).toContain('UnrecognizedClientException');
    const badUrl = await fetch((await presign({ ...other, AWS_CONFIG_FILE: config })).stdout.trim());
    expect([badUrl.status, await badUrl.text()]).toEqual([
      403,
      expect.stringContaining('InvalidAccessKeyId'),
    ]);
  });
});

/** The processes started by `pid`, and theirs, read from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, of] of parents) {
      if (of === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const environ = (pid: number) =>
  new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe('conditional writes through the AWS CLI', () => {
  it('puts an object only if absent, and replaces it only under its current ETag', async () => {
    const key = 'sec/conditional.txt';
    const body = (text: string) => {
      const file = join(tmp.dir, `${text}.txt`);
      writeFileSync(file, text);
      return file;
    };
    const put = (text: string, ...condition: string[]) =>
      aws([
        's3api',
        'put-object',
        '--bucket',
        cloud.bucket,
        '--key',
        key,
        '--body',
        body(text),
        ...condition,
      ]);
    const first = await put('first', '--if-none-match', '*');
    expect(first.code, first.stderr).toBe(0);
    const etag = JSON.parse(first.stdout).ETag as string;
    // The ETag S3 gives a single-part object: the MD5 of its bytes, quoted.
    expect(etag).toBe(`"${createHash('md5').update('first').digest('hex')}"`);

    const again = await put('second', '--if-none-match', '*');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('PreconditionFailed');
    const stale = await put('third', '--if-match', '"0123456789abcdef0123456789abcdef"');
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('PreconditionFailed');
    const swapped = await put('fourth', '--if-match', etag);
    expect(swapped.code, swapped.stderr).toBe(0);

    const got = await s3().send(new GetObjectCommand({ Bucket: cloud.bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('fourth');
  });
});

describe('the functions’ environment', () => {
  it('holds the stack’s endpoints and key, but not the user’s other variables', () => {
    const parent = environ(cloud.pid ?? 0);
    // The premise: stepmr offline itself was given the secrets.
    expect(parent.get('STEPMR_TEST_SECRET_CANARY')).toBe(canary);
    const offline = descendants(cloud.pid ?? 0).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(' offline start '),
    );
    expect(offline).toHaveLength(1);
    const functions = environ(offline[0] as number);
    expect([...functions.values()].filter((value) => value.includes(canary))).toEqual([]);
    expect(functions.has('STEPMR_TEST_SECRET_CANARY')).toBe(false);
    expect(functions.has('AWS_SESSION_TOKEN')).toBe(false);
    expect(functions.get('AWS_ACCESS_KEY_ID')).toBe(env.AWS_ACCESS_KEY_ID);
    expect(functions.get('AWS_ENDPOINT_URL_S3')).toBe(env.AWS_ENDPOINT_URL_S3);
    // Everything else is one of the few variables it is given on purpose.
    const allowed =
      /^(AWS_|STEPMR_OFFLINE_|STEPMR_STACK$|STEPMR_DEBUG$|POWERTOOLS_|PATH$|HOME$|TMPDIR$|LANG$|LC_ALL$|TZ$)/;
    expect([...functions.keys()].filter((name) => !allowed.test(name))).toEqual([]);
  });
});
