import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsOf, makeText, plainWordCount, rng, tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild, submitArgs } from '../support/offlineCloud.js';

/**
 * Throttling on the wire: the offline cloud's fault proxies answer every 5th S3 request with
 * 503 SlowDown and every 3rd Lambda Invoke with 429 TooManyRequestsException — for the
 * functions, the engine and the CLI alike. The job must still publish exactly the right answer.
 */

const tmp = tempDir('stepmr-faults-');
let cloud: OfflineCloudChild;

beforeAll(async () => {
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'), ['--inject-faults', 's3=5,lambda=3']);
}, 180_000);

afterAll(async () => {
  await cloud?.stop();
  tmp.cleanup();
}, 60_000);

describe('the offline cloud with injected S3 503s and Lambda 429s', () => {
  const random = rng(11);
  const corpus = join(tmp.dir, 'corpus');
  mkdirSync(corpus, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < 4; i++) {
    const file = join(corpus, `text-${i}.txt`);
    writeFileSync(file, makeText(random, 400, i % 2 === 0));
    files.push(file);
  }

  it('retries through them and publishes the same answer as an independent count', async () => {
    const run = (...args: string[]) => cloud.ok(...args);
    const bucket = cloud.bucket;
    await run('cp', '--quiet', corpus, `s3://${bucket}/in/corpus/`);
    // Small splits, one per task: dozens of invocations and hundreds of S3 requests.
    await run(
      ...submitArgs(
        bucket,
        'wordcount',
        'in/corpus/',
        'out/wordcount',
        '--split-size',
        '4KiB',
        '--splits-per-task',
        '1',
        '--reducers',
        '3',
        '--wait',
        '--interval',
        '1',
      ),
    );
    const got = countsOf(await cloud.download(`s3://${bucket}/out/wordcount/`, join(tmp.dir, 'out')));
    expect(Object.fromEntries([...got].sort())).toEqual(
      Object.fromEntries([...plainWordCount(files)].sort()),
    );

    const stopped = await cloud.stop();
    expect(stopped.code).toBe(0);
    const injected = (service: string) =>
      Number(new RegExp(`faults injected: ${service} (\\d+) of (\\d+) requests`).exec(stopped.stderr)?.[1]);
    expect(injected('s3')).toBeGreaterThan(10);
    expect(injected('lambda')).toBeGreaterThan(3);
  });
});
