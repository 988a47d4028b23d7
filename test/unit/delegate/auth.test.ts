import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { signingRegion } from '../../../framework/delegate/auth.js';
import { http } from '../../../framework/delegate/builders.js';
import { delegate } from '../../../framework/delegate/runCalls.js';
import { type CallServer, type ReceivedRequest, startCallServer } from '../../support/callServer.js';
import { checkSigV4 } from '../../support/sigv4Check.js';

const servers: CallServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(decide: Parameters<typeof startCallServer>[0]) {
  const server = await startCallServer(decide);
  servers.push(server);
  return server;
}

const KNOWN = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('SigV4 (auth: iam)', () => {
  it('signs calls a server verifies with the known secret, and a wrong key gets 403, not retried', async () => {
    const server = await start(async (req) => {
      const problem = await checkSigV4(req, KNOWN, 'eu-west-1');
      return problem === undefined
        ? { json: { verified: true } }
        : { status: 403, json: { message: problem } };
    });
    const api = http(`${server.url}/prod/score`, { auth: { type: 'iam', region: 'eu-west-1' } });
    const tasks = [api.post({ id: 1, name: 'Zoë' }, { query: { model: 'v 2', tag: ['b', 'a'] } }), api.get()];
    const good = await delegate(tasks, { credentials: async () => KNOWN } as never, {
      credentials: async () => KNOWN,
    });
    expect(good.map((r) => [r.ok, r.status, r.output])).toEqual([
      [true, 200, { verified: true }],
      [true, 200, { verified: true }],
    ]);
    const wrong = { ...KNOWN, secretAccessKey: `${KNOWN.secretAccessKey.slice(0, -1)}X` };
    const [rejected] = await delegate(
      [tasks[0] as never],
      { retries: 3 },
      { credentials: async () => wrong },
    );
    expect(rejected).toMatchObject({
      ok: false,
      status: 403,
      attempts: 1,
      output: { message: 'signature does not match' },
    });
    expect(server.requests).toHaveLength(3);
    // The Idempotency-Key is among the signed headers: it cannot be changed on the way.
    expect(server.requests[0]?.headers.authorization).toMatch(/SignedHeaders=[^,]*idempotency-key/);
  });

  it('detects a body changed on the way (the check computes the hash itself)', async () => {
    const server = await start(async (req) => {
      const tampered: ReceivedRequest = { ...req, body: req.body.replace('1', '2') };
      return { json: { problem: (await checkSigV4(tampered, KNOWN, 'eu-west-1')) ?? null } };
    });
    const [r] = await delegate(
      [http(`${server.url}/x`, { auth: { type: 'iam', region: 'eu-west-1' } }).post({ amount: 1 })],
      {},
      { credentials: async () => KNOWN },
    );
    expect(r?.output).toEqual({ problem: 'body does not match x-amz-content-sha256' });
  });

  it('signs for the region of an execute-api host, else the auth’s, else AWS_REGION', () => {
    const host = new URL('https://a1b2c3.execute-api.ap-southeast-2.amazonaws.com/prod/score');
    expect(signingRegion(host, { type: 'iam', region: 'us-east-1' }, { AWS_REGION: 'eu-west-1' })).toBe(
      'ap-southeast-2',
    );
    const other = new URL('https://api.example.com/score');
    expect(signingRegion(other, { type: 'iam', region: 'us-east-1' }, { AWS_REGION: 'eu-west-1' })).toBe(
      'us-east-1',
    );
    expect(signingRegion(other, { type: 'iam' }, { AWS_REGION: 'eu-west-1' })).toBe('eu-west-1');
  });

  it('fails clearly, without a call, when there is no region to sign for', async () => {
    const server = await start(() => ({ json: {} }));
    const [r] = await delegate(
      [http(`${server.url}/x`, { auth: 'iam' }).get()],
      {},
      { env: {}, credentials: async () => KNOWN },
    );
    expect(r).toMatchObject({ ok: false, attempts: 1, error: { name: 'CallAuthError' } });
    expect(r?.error?.message).toMatch(/AWS_REGION/);
    expect(server.requests).toHaveLength(0);
  });

  it('fails clearly, without a call, when there are no credentials to sign with', async () => {
    const server = await start(() => ({ json: {} }));
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    };
    const [r] = await delegate(
      [http(`${server.url}/x`, { auth: { type: 'iam', region: 'eu-west-1' } }).get()],
      {},
      {
        credentials: noCredentials,
      },
    );
    expect(r).toMatchObject({ ok: false, attempts: 1, error: { name: 'CallAuthError' } });
    expect(r?.error?.message).toMatch(/CredentialsProviderError: Could not load credentials/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('API keys', () => {
  const SECRET = 'k-3f9a1c77-secret';

  it('sends the key from an environment variable and never puts it in a result', async () => {
    const server = await start((req) =>
      req.headers['x-scoring-key'] === SECRET
        ? { json: { ok: true } }
        : { status: 401, json: { message: 'no key' } },
    );
    const api = http(`${server.url}/score`, {
      auth: { type: 'apiKey', header: 'X-Scoring-Key', env: 'SCORING_KEY' },
    });
    const results = await delegate(
      [api.post({ a: 1 }), api.post({ a: 2 })],
      {},
      { env: { SCORING_KEY: SECRET } },
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const missing = await delegate([api.get()], {}, { env: {} });
    expect(missing[0]).toMatchObject({ ok: false, attempts: 1, error: { name: 'CallAuthError' } });
    expect(missing[0]?.error?.message).toMatch(/SCORING_KEY is not set/);
    expect(JSON.stringify([results, missing, api.get()])).not.toContain(SECRET);
  });

  it('reads the key from an SSM parameter once per run, through the real SSM client', async () => {
    const reads: unknown[] = [];
    const ssm = await start((req) => {
      const input = JSON.parse(req.body) as { Name: string; WithDecryption?: boolean };
      reads.push({ target: req.headers['x-amz-target'], ...input });
      const headers = { 'content-type': 'application/x-amz-json-1.1' };
      if (input.Name !== '/scoring/key') {
        return { status: 400, headers, json: { __type: 'ParameterNotFound', message: 'not found' } };
      }
      return {
        headers,
        json: { Parameter: { Name: input.Name, Type: 'SecureString', Value: SECRET, Version: 3 } },
      };
    });
    const service = await start((req) =>
      req.headers['x-api-key'] === SECRET ? { json: { ok: true } } : { status: 401 },
    );
    const client = new SSMClient({
      endpoint: ssm.url,
      region: 'us-east-1',
      credentials: KNOWN,
      maxAttempts: 1,
    });
    const api = http(`${service.url}/score`, { auth: { type: 'apiKey', ssmParameter: '/scoring/key' } });
    const results = await delegate(
      Array.from({ length: 20 }, (_, i) => api.post({ i })),
      { concurrency: 8 },
      { ssm: () => client },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(reads).toEqual([{ target: 'AmazonSSM.GetParameter', Name: '/scoring/key', WithDecryption: true }]);
    const other = http(`${service.url}/score`, { auth: { type: 'apiKey', ssmParameter: '/scoring/nope' } });
    const [missing] = await delegate([other.get()], {}, { ssm: () => client });
    expect(missing).toMatchObject({ ok: false, error: { name: 'CallAuthError' } });
    expect(missing?.error?.message).toMatch(/SSM parameter \/scoring\/nope \(ParameterNotFound\)/);
    expect(JSON.stringify([results, missing])).not.toContain(SECRET);
  });
});
