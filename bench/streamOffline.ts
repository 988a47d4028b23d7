import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { commitEntrySchema, offsetEntrySchema } from '../framework/contract/stream.js';
import { ObjectNotFoundError, S3Store } from '../framework/index.js';
import { triggerStream } from '../framework/runtime/aws/triggerStream.js';
import { startOfflineCloud } from '../framework/runtime/offline/offlineCloud.js';
import { s3RequestCounter } from '../framework/runtime/offline/s3RequestCounter.js';
import { s3rverClientConfig } from '../framework/runtime/offline/s3rverProcess.js';

/**
 * Streams on the offline cloud (`stepmr offline` in this process): the `clicks` stream of
 * stepmr.config.ts, its trigger function woken by the EventBridge events of the objects
 * uploaded to s3rver. Arrival-to-commit latency (p50, p95) at 1 and at 50 files a second: each
 * file's latency is its batch's commit time (the checkpoint's commit entry) minus the moment
 * its upload was answered, as the uploader saw it (s3rver's LastModified has whole seconds).
 * Then the empty trigger: the trigger function invoked when nothing new arrived, its wall time
 * from the Lambda Invoke API and its S3 requests by kind, counted at the S3 front door.
 *
 *   node bin/tsnode.js bench/streamOffline.ts [--seconds 10] [--empty-runs 10]
 *
 * Writes bench/results/stream-offline-<time>.json; `npm run bench -- --stream-offline-seconds N`
 * runs it too.
 */
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = opt('seconds', 10);
const emptyRuns = opt('empty-runs', 10);
const root = resolve('bench/data/stream-offline');
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });

const counter = s3RequestCounter();
const cloud = await startOfflineCloud({
  port: 0,
  s3Port: 0,
  lambdaPort: 0,
  dataDir: join(root, 'cloud'),
  onS3Request: counter.record,
  log: (text) => process.stderr.write(`offline: ${text}\n`),
});
const credentials = {
  accessKeyId: cloud.env.AWS_ACCESS_KEY_ID ?? '',
  secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY ?? '',
};
const bucket = new S3Store({
  client: new S3Client({ ...s3rverClientConfig(cloud.env.AWS_ENDPOINT_URL_S3 ?? ''), credentials }),
  bucket: cloud.bucket,
});
const lambda = new LambdaClient({ endpoint: cloud.endpoints.lambda, region: 'us-east-1', credentials });
const PREFIX = 'in/clicks/';
const CHECKPOINT = 'streams/clicks/';
const PAGES = ['/', '/pricing', '/docs', '/blog', '/signup'];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/**
 * Adds to `out` the latency of every uploaded file whose batch is committed, by key. Polled
 * often enough to read each batch's entries before the checkpoint compacts them (ten batches on).
 */
async function committed(
  uploaded: ReadonlyMap<string, number>,
  out: Map<string, number>,
): Promise<Map<string, number>> {
  const commits = new Map<number, number>();
  for await (const { key } of bucket.list(`${CHECKPOINT}commits/`)) {
    const entry = commitEntrySchema.parse(JSON.parse((await bucket.get(key)).toString('utf8')));
    commits.set(entry.batch, Date.parse(entry.committedAt));
  }
  for await (const { key } of bucket.list(`${CHECKPOINT}offsets/`)) {
    const entry = offsetEntrySchema.parse(JSON.parse((await bucket.get(key)).toString('utf8')));
    const at = commits.get(entry.batch);
    if (at === undefined) continue;
    for (const file of entry.files) {
      const full = file.key.startsWith(PREFIX) ? file.key : `${PREFIX}${file.key}`;
      const sent = uploaded.get(full);
      if (sent !== undefined) out.set(full, at - sent);
    }
  }
  return out;
}

async function latencyAt(rate: number) {
  // Sent at, then answered at; polled while uploading, so no batch is compacted away unread.
  const uploaded = new Map<string, number>();
  const done = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      // An entry compacted away between the listing and its read is simply gone.
      await committed(uploaded, done).catch((error: unknown) => {
        if (!(error instanceof ObjectNotFoundError)) throw error;
      });
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const puts: Promise<void>[] = [];
  const total = rate * seconds;
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const key = `${PREFIX}rate-${rate}/f${String(i).padStart(6, '0')}.jsonl`;
    const lines = Array.from({ length: 100 }, (_, c) =>
      JSON.stringify({ user: `u${c % 97}`, page: PAGES[c % PAGES.length], time: new Date().toISOString() }),
    );
    uploaded.set(key, Date.now());
    puts.push(bucket.put(key, `${lines.join('\n')}\n`).then(() => void uploaded.set(key, Date.now())));
  }
  await Promise.all(puts);
  const deadline = Date.now() + 300_000;
  try {
    while (done.size < total) {
      if (Date.now() > deadline)
        throw new Error(`offline stream: ${done.size} of ${total} files committed after 5 min`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    polling = false;
    await poller;
  }
  const l = [...done.values()].sort((a, b) => a - b);
  return {
    filesPerSecond: rate,
    files: total,
    p50Ms: percentile(l, 0.5),
    p95Ms: percentile(l, 0.95),
    maxMs: l.at(-1) ?? 0,
  };
}

async function emptyTrigger() {
  const ms: number[] = [];
  counter.reset();
  for (let i = 0; i < emptyRuns; i++) {
    const t = performance.now();
    const outcome = await triggerStream(lambda, cloud.stackName, 'clicks', new Date().toISOString());
    ms.push(performance.now() - t);
    if (outcome.outcome !== 'idle')
      throw new Error(`an empty trigger did not find nothing: ${JSON.stringify(outcome)}`);
  }
  const total = counter.total();
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    runs: emptyRuns,
    p50Ms: percentile(sorted, 0.5),
    meanMs: ms.reduce((a, b) => a + b, 0) / ms.length,
    s3RequestsPerTrigger: Object.fromEntries(
      Object.entries(total)
        .filter(([, n]) => n > 0)
        .map(([kind, n]) => [kind, n / emptyRuns]),
    ),
  };
}

let result: Record<string, unknown>;
try {
  result = {
    at: new Date().toISOString(),
    seconds,
    latency: [await latencyAt(1), await latencyAt(50)],
    emptyTrigger: await emptyTrigger(),
    events: cloud.eventCounts(),
  };
} finally {
  await cloud.stop();
}
mkdirSync(resolve('bench/results'), { recursive: true });
writeFileSync(
  resolve(`bench/results/stream-offline-${String(result.at).replace(/[:.]/g, '-')}.json`),
  `${JSON.stringify(result, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
rmSync(root, { recursive: true, force: true });
