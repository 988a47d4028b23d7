import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEstimate } from '../../framework/estimate/estimateJob.js';
import type { SuccessManifest } from '../../framework/index.js';
import { STATUS_USER_AGENT } from '../../framework/runtime/aws/s3.js';
import { type OfflineCloud, startOfflineCloud } from '../../framework/runtime/offline/offlineCloud.js';
import { s3RequestCounter } from '../../framework/runtime/offline/s3RequestCounter.js';
import { REQUEST_KINDS, type RequestCounts } from '../../framework/store/CountingStore.js';
import { tempDir } from '../e2e/helpers.js';
import { boundaryAfterLineBreak, writeEstimateCorpus } from '../support/estimateData.js';
import { type CommandRun, runStepmr } from '../support/offlineCloud.js';

/**
 * The proof of `stepmr estimate`: on the offline cloud, the requests the estimate counts for a
 * job equal, kind by kind, the requests the S3 front door sees while `stepmr submit --wait`
 * plans, runs and commits that job: every request of the driver, the tasks, the Distributed
 * Map's ItemReader and ResultWriter, and the commit, counted independently of the code that
 * sends them. (Requests s3rver fails with a 500 now and then, and the store retries, are
 * counted apart: S3 does not bill server errors.) The reads `--wait` makes to show the map
 * stage's bytes are the watcher's, not the job's: they carry their own user agent, and are
 * counted apart too.
 */

const tmp = tempDir('stepmr-offline-estimate-');
const counter = s3RequestCounter();
let watcherRequests = 0;
let cloud: OfflineCloud;

function stepmr(...args: string[]): Promise<CommandRun> {
  return runStepmr(args, cloud.env);
}

async function ok(...args: string[]) {
  const run = await stepmr(...args);
  if (run.code !== 0) throw new Error(`stepmr ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  return run;
}

const kinds = (counts: Partial<RequestCounts> | undefined) =>
  Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, counts?.[kind] ?? 0]));

beforeAll(async () => {
  cloud = await startOfflineCloud({
    port: 0,
    s3Port: 0,
    lambdaPort: 0,
    dataDir: join(tmp.dir, 'cloud'),
    onS3Request: (req, status) => {
      const agent = `${req.headers['user-agent'] ?? ''} ${req.headers['x-amz-user-agent'] ?? ''}`;
      if (agent.includes(STATUS_USER_AGENT)) watcherRequests++;
      else counter.record(req, status);
    },
  });
}, 180_000);

afterAll(async () => {
  await cloud?.stop();
  tmp.cleanup();
}, 60_000);

describe('stepmr estimate on the offline cloud', () => {
  it('counts exactly the S3 requests the front door sees for the same job, kind by kind', async () => {
    const split = 8 * 1024 + 3;
    const files = writeEstimateCorpus(join(tmp.dir, 'corpus'), [300, 90, 170, 40]);
    expect(boundaryAfterLineBreak(files, split)).toBe(false);
    const input = `s3://${cloud.bucket}/in/estimate/`;
    const output = `s3://${cloud.bucket}/out/estimate`;
    await ok('cp', '--quiet', join(tmp.dir, 'corpus'), input);
    const options = ['--split-size', String(split), '--splits-per-task', '2', '--reducers', '3'];

    const estimated = JSON.parse(
      (await ok('estimate', 'examples/wordcount', '-i', input, '-o', output, ...options, '--json')).stdout,
    ) as JobEstimate;

    counter.reset();
    const run = await ok('submit', 'wordcount', '-i', input, '-o', output, ...options, '--wait', '--json');
    const seen = counter.total();
    expect(watcherRequests).toBeGreaterThan(0);
    const manifest = JSON.parse(run.stdout) as SuccessManifest;

    expect(manifest.stages.map.tasks).toBe(estimated.requests.map.tasks);
    expect(manifest.stages.reduce?.tasks).toBe(3);
    expect(kinds(seen)).toEqual(kinds(estimated.requests.total));
    // And the tasks counted their own share as the estimate has it.
    expect(kinds(manifest.stages.map.requests)).toEqual(kinds(estimated.requests.map.requests));
    expect(kinds(manifest.stages.reduce?.requests)).toEqual(kinds(estimated.requests.reduce.requests));
    // Every request of the job touched its own prefixes (work/<job id>/, its input and output).
    const groups = [...counter.counts().keys()].sort();
    expect(
      groups.every((g) => g === '' || /^(work\/wordcount-[^/]+|in\/estimate|out\/estimate)\/?$/.test(g)),
    ).toBe(true);
  }, 300_000);
});
