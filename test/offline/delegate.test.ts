import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Applicant, scoreOf } from '../../examples/score/score.js';
import { delegate, gateway } from '../../framework/index.js';
import type { ServerlessOffline } from '../../framework/runtime/offline/serverlessOffline.js';
import { tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild, submitArgs } from '../support/offlineCloud.js';
import { startScoreService } from '../support/scoreService.js';

/**
 * A delegate job on the AWS path, on this machine: examples/score (POST /score, an HTTP API
 * event) served by serverless-offline's API Gateway emulation, and the scoring example job
 * submitted to `stepmr offline` with `stepmr submit --wait`, its delegate function calling the
 * service over real HTTP. The calls go through a pass-through proxy on 127.0.0.1 that records
 * them and, while told to, answers 400 for chosen applicants (the service refusing them), so
 * that a first run has failed calls for `stepmr redrive` to make again. Then
 * `delegate(tasks, { on: 'stack' })` from driver code (this process) on the same stack, whose
 * stepmr.config.ts does not register the built-in delegate job. (One stack and one service for
 * both: each start packages the stack and starts serverless-offline, which takes most of the time.)
 */

const tmp = tempDir('stepmr-offline-delegate-');
let service: ServerlessOffline | undefined;
let cloud: OfflineCloudChild | undefined;
let api = '';
/** The proxy's URL: the API the stack's functions and stepmr.config.ts's delegates.apis take. */
let proxied = '';
let proxy: Server | undefined;
/** What the proxy saw: each call's applicant, Idempotency-Key and answer. */
const seen: { id: string; key: string | undefined; status: number }[] = [];
/** Applicants the proxy refuses (400) while listed. */
const refused = new Set<string>();

/** Forwards `POST /score` to the service, recording it; a refused applicant gets a 400. */
async function startProxy(): Promise<string> {
  proxy = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', async () => {
      const id = String((JSON.parse(body) as { id?: unknown }).id);
      const key = req.headers['idempotency-key'];
      let status = 400;
      let answer = JSON.stringify({ message: 'refused by the test' });
      if (!refused.has(id)) {
        const forwarded = await fetch(`${api}${req.url ?? ''}`, {
          method: req.method ?? 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        status = forwarded.status;
        answer = await forwarded.text();
      }
      seen.push({ id, key: Array.isArray(key) ? key[0] : key, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(answer);
    });
  });
  await new Promise<void>((done) => proxy?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
}

beforeAll(async () => {
  ({ service, api } = await startScoreService());
  // The stack's functions (and stepmr.config.ts's delegates.apis) take the API from here.
  proxied = await startProxy();
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'), [], { STEPMR_APP_SCORE_API: proxied });
  // This process is a driver too: its AWS clients (made on first use) follow these variables.
  Object.assign(process.env, cloud.env);
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
  await service?.stop();
  proxy?.closeAllConnections();
  await new Promise((done) => (proxy ? proxy.close(done) : done(undefined)));
  tmp.cleanup();
}, 60_000);

/** Every applicant scored, in order, as the score service computes it (`scoreOf`, independently). */
function expectScores(
  results: readonly { index: number; ok: boolean; status?: number; output?: unknown }[],
  applicants: readonly Applicant[],
): void {
  expect(results.map(({ index, ok, status, output }) => ({ index, ok, status, output }))).toEqual(
    applicants.map((a, index) => ({ index, ok: true, status: 200, output: { id: a.id, score: scoreOf(a) } })),
  );
}

describe('stepmr submit of a delegate job on the offline cloud', () => {
  it('scores every applicant through API Gateway, one result per applicant in input order', async () => {
    const c = cloud as OfflineCloudChild;
    const data = 'examples/scoring/data/applicants.jsonl';
    await c.ok('cp', '--quiet', data, `s3://${c.bucket}/in/applicants/applicants.jsonl`);
    const run = await c.ok(
      ...submitArgs(
        c.bucket,
        'scoring',
        'in/applicants/',
        'out/scoring',
        '--calls-per-task',
        '8',
        '--wait',
        '--json',
      ),
    );
    const manifest = JSON.parse(run.stdout) as { delegate: { calls: number; ok: number; failed: number } };
    const applicants = readFileSync(data, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Applicant);
    expect(manifest.delegate).toMatchObject({ calls: applicants.length, ok: applicants.length, failed: 0 });
    const out = await c.download(`s3://${c.bucket}/out/scoring/`, join(tmp.dir, 'scoring'));
    const results = out.records as unknown as {
      index: number;
      ok: boolean;
      status: number;
      output: unknown;
    }[];
    expectScores(results, applicants);
  }, 240_000);

  it('redrives only the failed calls, with their first keys, and republishes the result of a clean run', async () => {
    const c = cloud as OfflineCloudChild;
    const data = 'examples/scoring/data/applicants.jsonl';
    const applicants = readFileSync(data, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Applicant);
    await c.ok('cp', '--quiet', data, `s3://${c.bucket}/in/applicants/applicants.jsonl`);
    for (const i of [0, 9, 23, applicants.length - 1]) refused.add(String(applicants[i]?.id));
    seen.length = 0;
    const firstRun = await c.ok(
      ...submitArgs(
        c.bucket,
        'scoring',
        'in/applicants/',
        'out/scoring-redrive',
        '--calls-per-task',
        '8',
        '--max-failed',
        '4',
        '--wait',
        '--json',
      ),
    );
    const first = JSON.parse(firstRun.stdout) as {
      jobId: string;
      delegate: { calls: number; ok: number; failed: number };
    };
    expect(first.delegate).toMatchObject({ calls: applicants.length, ok: applicants.length - 4, failed: 4 });
    const keyOf = new Map(applicants.map((a, index) => [String(a.id), `${first.jobId}-${index}`]));
    for (const call of seen) expect(call.key).toBe(keyOf.get(call.id));

    // The service takes them now; the redrive calls the four again, and no other.
    refused.clear();
    seen.length = 0;
    const again = await c.ok(
      'redrive',
      `s3://${c.bucket}/out/scoring-redrive/`,
      '--wait',
      '--interval',
      '1',
      '--json',
    );
    const whole = JSON.parse(again.stdout) as {
      redriveOf: string;
      delegate: { calls: number; ok: number; failed: number };
    };
    expect(whole.redriveOf).toBe(first.jobId);
    expect(whole.delegate).toMatchObject({ calls: 4, ok: applicants.length, failed: 0 });
    expect(seen.map((call) => call.id).sort()).toEqual(
      [0, 9, 23, applicants.length - 1].map((i) => String(applicants[i]?.id)).sort(),
    );
    for (const call of seen) expect(call.key).toBe(keyOf.get(call.id));

    // The full ordered result, as a clean run publishes it.
    const out = await c.download(`s3://${c.bucket}/out/scoring-redrive/`, join(tmp.dir, 'scoring-redrive'));
    const results = out.records as unknown as {
      index: number;
      ok: boolean;
      status: number;
      output: unknown;
      error: unknown;
      attempts: number;
    }[];
    expect(
      results.map(({ index, ok, status, output, error, attempts }) => ({
        index,
        ok,
        status,
        output,
        error,
        attempts,
      })),
    ).toEqual(
      applicants.map((a, index) => ({
        index,
        ok: true,
        status: 200,
        output: { id: a.id, score: scoreOf(a) },
        error: null,
        attempts: 1,
      })),
    );
  }, 300_000);
});

describe("delegate(tasks, { on: 'stack' }) on the offline cloud", () => {
  it('runs the built-in delegate job on the stack and returns one result per task in input order', async () => {
    refused.clear();
    const applicants = readFileSync('examples/scoring/data/applicants.jsonl', 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Applicant);
    const scoring = gateway(proxied).resource('/score');
    const results = await delegate(
      applicants.map((a) => scoring.post(a)),
      { on: 'stack', jobId: 'scores-1', callsPerTask: 8 },
    );
    expectScores(results, applicants);
    // A task outside the stack's delegates: the delegate function refuses it, and no result is made up.
    const outside = gateway('http://127.0.0.1:9').resource('/score').post(applicants[0]);
    await expect(delegate([outside], { on: 'stack', jobId: 'scores-2' })).rejects.toMatchObject({
      name: 'JobFailedError',
      message: expect.stringContaining('refused'),
    });
  }, 240_000);
});
