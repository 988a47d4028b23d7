import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitEntrySchema, padBatch } from '../../framework/contract/stream.js';
import { S3Store } from '../../framework/index.js';
import { s3rverClientConfig } from '../../framework/runtime/offline/s3rverProcess.js';
import { rng, tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild } from '../support/offlineCloud.js';

/**
 * The deployed streaming path on this machine: `stepmr offline` delivers S3 "Object Created"
 * and execution status events to the trigger function through its EventBridge rules, with every
 * 2nd event duplicated and every 3rd delayed. Click files are uploaded in waves with `stepmr cp`
 * while batches run; at the end the stream's last snapshot equals the totals computed here
 * over every uploaded click, and `stepmr stream status` shows nothing pending and no lag.
 */

const tmp = tempDir('stepmr-offline-stream-');
let cloud: OfflineCloudChild;
let bucket: S3Store;

interface Click {
  readonly user: string;
  readonly page: string;
  readonly time: string;
}
const uploaded: Click[] = [];

beforeAll(async () => {
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'), ['--inject-faults', 'duplicate=2,delay=3']);
  const { env } = cloud;
  const client = new S3Client({
    ...s3rverClientConfig(env.AWS_ENDPOINT_URL_S3 ?? ''),
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  });
  bucket = new S3Store({ client, bucket: cloud.bucket });
}, 180_000);

afterAll(async () => {
  const stopped = await cloud?.stop();
  tmp.cleanup();
  expect(stopped?.stderr).toMatch(/faults injected: events [1-9]\d* duplicated, [1-9]\d* delayed/);
}, 60_000);

/** Writes a wave of click files locally and uploads the folder with `stepmr cp`. */
async function wave(n: number, files: number, random: () => number): Promise<void> {
  const dir = join(tmp.dir, `wave-${n}`);
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < files; f++) {
    const clicks: Click[] = [];
    const lines = 1 + Math.floor(random() * 40);
    for (let i = 0; i < lines; i++) {
      clicks.push({
        user: `u${Math.floor(random() * 50)}`,
        page: `/p/${Math.floor(random() * 12)}`,
        time: new Date(Date.UTC(2026, 11, 2, 10, n, f, i)).toISOString(),
      });
    }
    uploaded.push(...clicks);
    writeFileSync(join(dir, `clicks-${f}.jsonl`), clicks.map((c) => `${JSON.stringify(c)}\n`).join(''));
  }
  await cloud.ok('cp', '--quiet', dir, `s3://${cloud.bucket}/in/clicks/wave-${n}/`);
}

/** `stepmr stream status clicks --json`. */
async function status(): Promise<{
  lastCommitted?: number;
  running?: { batch: number };
  pending: { files: number; bytes: number };
  lagMs: number;
}> {
  return JSON.parse((await cloud.ok('stream', 'status', 'clicks', '--json')).stdout);
}

describe('a stream on the offline cloud', () => {
  it('processes every uploaded object exactly once, whatever events arrive twice or late', async () => {
    const random = rng(14);
    for (let n = 0; n < 3; n++) {
      await wave(n, 4 + n * 3, random);
      await new Promise((r) => setTimeout(r, 1500));
    }
    let now = await status();
    for (const deadline = Date.now() + 240_000; now.pending.files > 0 || now.running; ) {
      expect(Date.now(), JSON.stringify(now)).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 2000));
      now = await status();
    }
    expect(now.lagMs).toBe(0);
    expect(now.pending).toEqual({ files: 0, bytes: 0 });
    const last = now.lastCommitted ?? -1;
    expect(last).toBeGreaterThanOrEqual(0);

    // Totals per page over every uploaded click, computed here.
    const expected = new Map<string, { views: number; bytes: number }>();
    for (const click of uploaded) {
      const t = expected.get(click.page) ?? { views: 0, bytes: 0 };
      expected.set(click.page, {
        views: t.views + 1,
        bytes: t.bytes + Buffer.byteLength(JSON.stringify(click)),
      });
    }
    const commit = commitEntrySchema.parse(
      JSON.parse((await bucket.get(`streams/clicks/commits/${padBatch(last)}`)).toString('utf8')),
    );
    expect(commit.published).toBeDefined();
    const output = await cloud.download(
      `s3://${cloud.bucket}/out/streams/clicks/${commit.published}`,
      join(tmp.dir, 'snapshot'),
    );
    const got = new Map(output.records.map((r) => [r.key as string, r.value]));
    expect(got).toEqual(expected);

    // Each batch ran once: one execution per committed batch, never a second run of one.
    const offsets = [];
    for await (const entry of bucket.list('streams/clicks/offsets/')) offsets.push(entry.key);
    expect(offsets).toHaveLength(last + 1);
    const list = JSON.parse((await cloud.ok('list', '--json', '--limit', '1000')).stdout) as {
      name: string;
    }[];
    const runs = list.map((e) => e.name).filter((name) => name.startsWith('clicks-b'));
    expect(runs.sort()).toEqual(Array.from({ length: last + 1 }, (_, b) => `clicks-b${b}`).sort());
  }, 400_000);

  it('stepmr trigger clicks starts nothing when nothing new arrived', async () => {
    const run = await cloud.ok('trigger', 'clicks');
    expect(run.stdout).toMatch(/stream clicks: nothing new to process; no batch started/);
  }, 60_000);
});
