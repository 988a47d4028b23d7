import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Applicant, scoreOf } from '../../examples/score/score.js';
import {
  freePort,
  functionsEnvironment,
  type ServerlessOffline,
  startServerlessOffline,
} from '../../framework/runtime/offline/serverlessOffline.js';
import { tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild, submitArgs } from '../support/offlineCloud.js';

/**
 * A delegate job on the AWS path, on this machine: examples/score (POST /score, an HTTP API
 * event) served by serverless-offline's API Gateway emulation, and the scoring example job
 * submitted to `stepmr offline` with `stepmr submit --wait`, its delegate function calling the
 * service over real HTTP.
 */

const tmp = tempDir('stepmr-offline-delegate-');
let service: ServerlessOffline | undefined;
let cloud: OfflineCloudChild | undefined;
let api = '';

beforeAll(async () => {
  service = await startServerlessOffline({
    projectDir: join(process.cwd(), 'examples/score'),
    stage: 'dev',
    lambdaPort: await freePort(),
    env: functionsEnvironment(process.env, {}),
    heapMiB: 512,
  });
  api = `http://127.0.0.1:${service.httpPort}`;
  // The stack's functions (and stepmr.config.ts's delegates.apis) take the API from here.
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'), [], { STEPMR_APP_SCORE_API: api });
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
  await service?.stop();
  tmp.cleanup();
}, 60_000);

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
    expect(results.map(({ index, ok, status, output }) => ({ index, ok, status, output }))).toEqual(
      applicants.map((a, index) => ({
        index,
        ok: true,
        status: 200,
        output: { id: a.id, score: scoreOf(a) },
      })),
    );
  }, 240_000);
});
