import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Applicant, scoreOf } from '../../examples/score/score.js';
import { delegate, gateway } from '../../framework/index.js';
import type { ServerlessOffline } from '../../framework/runtime/offline/serverlessOffline.js';
import { tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild } from '../support/offlineCloud.js';
import { startScoreService } from '../support/scoreService.js';

/**
 * `delegate(tasks, { on: 'stack' })` from driver code, on the AWS path on this machine:
 * examples/score behind serverless-offline, and `stepmr offline` as the deployed stack, whose
 * stepmr.config.ts does not register the built-in delegate job. The tasks go to the stack's
 * bucket, its delegate function calls the service, and the results come back in input order.
 */

const tmp = tempDir('stepmr-offline-delegate-on-');
let service: ServerlessOffline | undefined;
let cloud: OfflineCloudChild | undefined;
let api = '';

beforeAll(async () => {
  ({ service, api } = await startScoreService());
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'), [], { STEPMR_APP_SCORE_API: api });
  // This process is the driver: its AWS clients (made on first use) follow these variables.
  Object.assign(process.env, cloud.env);
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
  await service?.stop();
  tmp.cleanup();
}, 60_000);

describe("delegate(tasks, { on: 'stack' }) on the offline cloud", () => {
  it('runs the built-in delegate job on the stack and returns one result per task in input order', async () => {
    const applicants = readFileSync('examples/scoring/data/applicants.jsonl', 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Applicant);
    const scoring = gateway(api).resource('/score');
    const results = await delegate(
      applicants.map((a) => scoring.post(a)),
      { on: 'stack', jobId: 'scores-1', callsPerTask: 8 },
    );
    expect(results.map(({ index, ok, status, output }) => ({ index, ok, status, output }))).toEqual(
      applicants.map((a, index) => ({
        index,
        ok: true,
        status: 200,
        output: { id: a.id, score: scoreOf(a) },
      })),
    );
    // A task outside the stack's delegates: the delegate function refuses it, and no result is made up.
    const outside = gateway('http://127.0.0.1:9').resource('/score').post(applicants[0]);
    await expect(delegate([outside], { on: 'stack', jobId: 'scores-2' })).rejects.toMatchObject({
      name: 'JobFailedError',
      message: expect.stringContaining('refused'),
    });
  }, 240_000);
});
