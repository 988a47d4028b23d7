import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PreconditionFailedError,
  runEmbedded,
  S3Store,
  type SuccessManifest,
} from '../../framework/index.js';
import { s3rverClientConfig } from '../../framework/runtime/offline/s3rverProcess.js';
import {
  countsOf,
  makeText,
  plainTraffic,
  plainWordCount,
  readOutput,
  rng,
  tempDir,
} from '../e2e/helpers.js';
import {
  type CommandRun,
  type OfflineCloudChild,
  startOfflineCloudChild,
  submitArgs,
} from '../support/offlineCloud.js';

/**
 * The AWS path end to end, on this machine: `stepmr offline` (s3rver, serverless-offline running
 * the functions of serverless.yml, the engine behind the Step Functions API executing the
 * packaged state machine), then `stepmr cp`, `submit`, `status` and `list` as separate
 * processes that reach it only through the standard AWS_* variables it prints.
 */

const tmp = tempDir('stepmr-offline-');
let cloud: OfflineCloudChild;
let env: Readonly<Record<string, string>> = {};
let bucket = '';

const stepmr = (...args: string[]): Promise<CommandRun> => cloud.stepmr(...args);

/** Runs stepmr and expects it to succeed, showing its output if not. */
const ok = (...args: string[]): Promise<CommandRun> => cloud.ok(...args);

beforeAll(async () => {
  cloud = await startOfflineCloudChild(join(tmp.dir, 'cloud'));
  env = cloud.env;
  bucket = cloud.bucket;
}, 180_000);

afterAll(async () => {
  const stopped = await cloud?.stop();
  tmp.cleanup();
  expect(stopped?.code).toBe(0);
  expect(stopped?.stderr).toMatch(/stopped\n$/);
}, 60_000);

describe('stepmr offline', () => {
  it('prints the standard AWS endpoint variables and a stack that stepmr finds', () => {
    expect(bucket).toBe('stepmr-dev-data');
    for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SFN', 'AWS_ENDPOINT_URL_CLOUDFORMATION']) {
      expect(env[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(env.STEPMR_STACK).toBe('stepmr-dev');
  });

  it('enforces S3 conditional writes at its S3 endpoint, which s3rver alone ignores', async () => {
    const client = new S3Client({
      ...s3rverClientConfig(env.AWS_ENDPOINT_URL_S3 ?? ''),
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      },
    });
    const store = new S3Store({ client, bucket, prefix: 'work/conditional-check' });
    try {
      const etag = await store.putIfAbsent('log/0', 'first');
      await expect(store.putIfAbsent('log/0', 'second')).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(store.compareAndSwap('log/0', '"stale"', 'third')).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      await store.compareAndSwap('log/0', etag, 'fourth');
      expect((await store.get('log/0')).toString()).toBe('fourth');
    } finally {
      await store.delete(['log/0']);
      client.destroy();
    }
  });
});

describe('wordcount through stepmr submit', () => {
  const random = rng(7);
  const corpus = join(tmp.dir, 'corpus');
  mkdirSync(join(corpus, 'nested'), { recursive: true });
  const files: string[] = [];
  const add = (name: string, body: string | Buffer) => {
    writeFileSync(join(corpus, name), body);
    files.push(join(corpus, name));
  };
  for (let i = 0; i < 6; i++) add(`text-${i}.txt`, makeText(random, 300 + i * 50, i % 2 === 1));
  add('nested/packed.txt.gz', gzipSync(Buffer.from(makeText(random, 400, false))));
  for (const name of readdirSync('examples/wordcount/data')) {
    add(`example-${name}`, readFileSync(join('examples/wordcount/data', name)));
  }

  it('counts every word of a corpus copied to S3, as the embedded engine does, part for part', async () => {
    await ok('cp', '--quiet', corpus, `s3://${bucket}/in/corpus/`);
    const run = await ok(
      ...submitArgs(
        bucket,
        'wordcount',
        'in/corpus/',
        'out/wordcount',
        '--split-size',
        '16KiB',
        '--splits-per-task',
        '2',
        '--reducers',
        '3',
        '--wait',
        '--interval',
        '1',
        '--json',
      ),
    );
    // The map stage's last line: every split done, all its input read (the progress view's line).
    expect(run.stderr).toMatch(
      /^map +(\d+)\/\1 splits \| (\S+ \S+) of \2 \| .* \| in \S+ \| tasks: \d+ done$/m,
    );
    expect(run.stderr).toMatch(/^reduce +3\/3 partitions \| in \S+ \| tasks: 3 done$/m);
    const manifest = JSON.parse(run.stdout) as { parts: { sha256: string }[]; splits: number };
    expect(manifest.splits).toBeGreaterThan(files.length);

    const out = await cloud.download(`s3://${bucket}/out/wordcount/`, join(tmp.dir, 'wordcount-cloud'));
    const got = countsOf(out);
    expect(got.size).toBe(out.records.length);
    expect(Object.fromEntries([...got].sort())).toEqual(
      Object.fromEntries([...plainWordCount(files)].sort()),
    );

    // The same job on the embedded engine gives byte-identical parts.
    const embedded = join(tmp.dir, 'wordcount-embedded');
    await runEmbedded({
      job: 'examples/wordcount',
      inputs: [corpus],
      output: embedded,
      splitSize: 16 * 1024,
      splitsPerTask: 2,
      reducers: 3,
      threads: 2,
    });
    expect(out.manifest.parts.map((p) => p.sha256)).toEqual(
      readOutput(embedded).manifest.parts.map((p) => p.sha256),
    );
  });

  it('refuses an output that holds a result, and replaces it with --overwrite', async () => {
    const again = await stepmr(
      ...submitArgs(bucket, 'examples/wordcount', 'in/corpus/nested/', 'out/wordcount'),
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--overwrite');

    await ok(
      ...submitArgs(
        bucket,
        'examples/wordcount',
        'in/corpus/nested/',
        'out/wordcount',
        '--overwrite',
        '--wait',
        '--interval',
        '1',
      ),
    );
    const got = countsOf(
      await cloud.download(`s3://${bucket}/out/wordcount/`, join(tmp.dir, 'wordcount-replaced')),
    );
    const nested = files.filter((f) => f.includes('/nested/'));
    expect(Object.fromEntries([...got].sort())).toEqual(
      Object.fromEntries([...plainWordCount(nested)].sort()),
    );
  });

  it('runs a schedule of stepmr.config.ts now through the scheduler function, once per scheduled time', async () => {
    const run = await ok(
      'trigger',
      'wordcount-nightly',
      '--time',
      '2026-01-02T03:00:00Z',
      '--wait',
      '--interval',
      '1',
    );
    expect(run.stderr).toContain('job wordcount-nightly-20260102T030000 (schedule wordcount-nightly)');
    const got = countsOf(
      await cloud.download(`s3://${bucket}/out/wordcount/2026-01-02/`, join(tmp.dir, 'wordcount-nightly')),
    );
    expect(Object.fromEntries([...got].sort())).toEqual(
      Object.fromEntries([...plainWordCount(files)].sort()),
    );

    const again = await ok('trigger', 'wordcount-nightly', '--time', '2026-01-02T03:00:00Z');
    expect(again.stderr).toContain('already ran for 2026-01-02T03:00:00.000Z; nothing started');
    expect(again.stdout).toBe('');

    const unknown = await stepmr('trigger', 'no-such-schedule');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /schedule "no-such-schedule" is not in this deployment's stepmr\.config\.ts/,
    );
  });

  it('stops a running job: it ends ABORTED and publishes nothing', async () => {
    // One map task per 100-byte split: long enough a job to stop while it runs.
    const started = await ok(
      ...submitArgs(
        bucket,
        'wordcount',
        'in/corpus/',
        'out/stopped',
        '--split-size',
        '100',
        '--splits-per-task',
        '1',
      ),
    );
    const jobId = started.stdout.trim().split(':').at(-1) ?? '';
    const stopped = await ok('stop', jobId);
    expect(stopped.stdout, 'the job ended before it could be stopped').toMatch(/^stopped arn:aws:states:/);
    // The Abort step does not run on a stop: stop removes the job's working objects itself.
    expect(stopped.stderr).toMatch(
      new RegExp(`removed [1-9]\\d* working objects under s3://${bucket}/work/${jobId}/`),
    );
    // What is left: the plan, and the mark that makes a commit still running publish nothing.
    await ok('cp', '--quiet', `s3://${bucket}/work/${jobId}/`, join(tmp.dir, 'stopped-work'));
    // (Map tasks still running when it stopped may yet write their shuffle objects there.)
    const left = readdirSync(join(tmp.dir, 'stopped-work'));
    expect(left).toEqual(expect.arrayContaining(['job.json', 'stopped.json']));
    expect(left.filter((name) => !['job.json', 'stopped.json', 'shuffle'].includes(name))).toEqual([]);
    // An execution that did not succeed makes status exit 1.
    const status = await stepmr('status', jobId, '--watch', '--interval', '1', '--json');
    expect(status.code).toBe(1);
    expect((JSON.parse(status.stdout) as { status: string }).status).toBe('ABORTED');
    const nothing = await stepmr('cp', `s3://${bucket}/out/stopped/`, join(tmp.dir, 'stopped'));
    expect(nothing.stderr).toContain('nothing to copy');
  });

  it('explains what to do with a job not in stepmr.config.ts, an output outside out/, or an unknown stack', async () => {
    const unregistered = await stepmr(
      ...submitArgs(bucket, 'test/fixtures/jobs/cities.ts', 'in/corpus/', 'out/cities'),
    );
    expect(unregistered.code).toBe(1);
    expect(unregistered.stderr).toMatch(
      /not registered in stepmr\.config\.ts.*add it to jobs and deploy again/,
    );

    const outside = await stepmr(...submitArgs(bucket, 'wordcount', 'in/corpus/', 'elsewhere'));
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(`publish only under s3://${bucket}/out/`);

    const noStack = await stepmr(
      'submit',
      'wordcount',
      '--stack',
      'stepmr-nowhere',
      '-i',
      `s3://${bucket}/in/corpus/`,
      '-o',
      `s3://${bucket}/out/x`,
    );
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toMatch(/stack stepmr-nowhere does not exist.*npx serverless deploy/);
  });
});

describe('failed map tasks on the cloud path: past the tolerance, within it, and redriven', () => {
  const random = rng(11);
  const corpus = join(tmp.dir, 'fragile');
  mkdirSync(corpus, { recursive: true });
  const files = [0, 1, 2, 3].map((i) => {
    const path = join(corpus, `part-${i}.txt`);
    writeFileSync(path, makeText(random, 250, false));
    return path;
  });
  // One byte of one file is not UTF-8: a bad record, which fails its map task at once.
  const corrupt = files[2] as string;
  const good = readFileSync(corrupt);
  const at = good.indexOf(' ', good.length >> 1);
  const bad = Buffer.from(good);
  bad[at] = 0xff;
  writeFileSync(corrupt, bad);
  const args = (output: string, ...more: string[]) =>
    submitArgs(
      bucket,
      'wordcount',
      'in/fragile/',
      output,
      '--split-size',
      '4KiB',
      '--splits-per-task',
      '1',
      ...more,
    );

  it('fails past the tolerance, naming the bad byte, and publishes nothing', async () => {
    await ok('cp', '--quiet', corpus, `s3://${bucket}/in/fragile/`);
    const failed = await stepmr(...args('out/fragile-strict', '--wait', '--interval', '1'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /BadRecordError: Bad record in s3:\/\/\S+\/part-2\.txt at byte \d+: invalid UTF-8/,
    );
    const nothing = await stepmr('cp', `s3://${bucket}/out/fragile-strict/`, join(tmp.dir, 'strict'));
    expect(nothing.stderr).toContain('nothing to copy');
    // The Abort step removed the job's working objects, the other tasks' shuffle objects among them.
    const jobId = /job (\S+) \(wordcount\)/.exec(failed.stderr)?.[1];
    expect(jobId).toMatch(/^wordcount-/);
    const work = await stepmr('cp', `s3://${bucket}/work/${jobId}/`, join(tmp.dir, 'strict-work'));
    expect(work.stderr).toContain('nothing to copy');
  });

  it('succeeds within --tolerate, then stepmr redrive publishes what a clean run does', async () => {
    const partial = await ok(
      ...args('out/fragile', '--tolerate', '1', '--wait', '--interval', '1', '--json'),
    );
    const first = JSON.parse(partial.stdout) as SuccessManifest;
    expect(first.failedSplits).toHaveLength(1);
    expect(first.failedSplits[0]?.error).toBe('BadRecordError');
    expect(first.failedSplits[0]?.splits.map((s) => s.uri)).toEqual([`s3://${bucket}/in/fragile/part-2.txt`]);
    expect(partial.stderr).toContain(`stepmr redrive s3://${bucket}/out/fragile`);

    // The byte is fixed in place (the file keeps its size); the redrive maps only its split.
    writeFileSync(corrupt, good);
    await ok('cp', '--quiet', corrupt, `s3://${bucket}/in/fragile/part-2.txt`);
    const redrive = await ok('redrive', `s3://${bucket}/out/fragile/`, '--wait', '--interval', '1', '--json');
    expect(redrive.stderr).toMatch(/\(redrive\): 1 failed split, 4 reducers/);
    const whole = JSON.parse(redrive.stdout) as SuccessManifest;
    expect(whole.redriveOf).toBe(first.jobId);
    expect(whole.failedSplits).toEqual([]);

    const out = await cloud.download(`s3://${bucket}/out/fragile/`, join(tmp.dir, 'fragile-redriven'));
    expect(Object.fromEntries([...countsOf(out)].sort())).toEqual(
      Object.fromEntries([...plainWordCount(files)].sort()),
    );
    const embedded = join(tmp.dir, 'fragile-embedded');
    await runEmbedded({
      job: 'examples/wordcount',
      inputs: [corpus],
      output: embedded,
      splitSize: 4096,
      splitsPerTask: 1,
      threads: 2,
    });
    expect(out.manifest.parts).toEqual(readOutput(embedded).manifest.parts);
    // Named by its job id now, the job has nothing left to redrive; the first job's plan is gone.
    const complete = await stepmr('redrive', whole.jobId);
    expect(complete.code).toBe(1);
    expect(complete.stderr).toMatch(
      /RedriveError: job \S+ at s3:\/\/\S+\/out\/fragile\/ has no failed splits/,
    );
    const gone = await stepmr('redrive', first.jobId);
    expect(gone.stderr).toMatch(/the plan of job \S+ is gone .*name the job's s3:\/\/ output instead/);
    // Nothing of the first job is left under work/, and of the redrive only its plan.
    const left = await stepmr('cp', `s3://${bucket}/work/${first.jobId}/`, join(tmp.dir, 'left-first'));
    expect(left.stderr).toContain('nothing to copy');
    await ok('cp', '--quiet', `s3://${bucket}/work/${whole.jobId}/`, join(tmp.dir, 'left-redrive'));
    expect(readdirSync(join(tmp.dir, 'left-redrive'), { recursive: true })).toEqual(['job.json']);
  });
});

describe('the structured logs example through stepmr submit', () => {
  const data = 'examples/logs/data';
  const files = readdirSync(data).map((f) => join(data, f));

  it('sums requests and bytes per status and path; status and list show the job', async () => {
    await ok('cp', '--quiet', data, `s3://${bucket}/in/logs/`);
    const started = await ok(
      ...submitArgs(bucket, 'logs', 'in/logs/', 'out/logs/', '--split-size', '32KB', '--reducers', '2'),
    );
    const arn = started.stdout.trim();
    expect(arn).toMatch(/^arn:aws:states:us-east-1:\d{12}:execution:stepmr-dev-jobs:logs-/);
    const jobId = arn.split(':').at(-1) ?? '';

    const watched = await ok('status', jobId, '--watch', '--interval', '1', '--json');
    const report = JSON.parse(watched.stdout) as {
      status: string;
      stages: { name: string; succeeded: number; total: number }[];
    };
    expect(report.status).toBe('SUCCEEDED');
    expect(report.stages.map((s) => [s.name, s.succeeded === s.total])).toEqual([
      ['Map', true],
      ['Reduce', true],
    ]);

    const out = await cloud.download(`s3://${bucket}/out/logs/`, join(tmp.dir, 'logs'));
    expect(out.manifest.parts).toHaveLength(2);
    const got = new Map(
      out.records.map((r) => {
        const [status, path] = r.key as [number, string];
        return [`${status} ${path}`, r.value];
      }),
    );
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...plainTraffic(files)].sort()));

    const listed = await ok('list', '--json');
    const executions = JSON.parse(listed.stdout) as { name: string; status: string }[];
    expect(executions.find((e) => e.name === jobId)?.status).toBe('SUCCEEDED');
    // Four wordcount jobs succeeded (a tolerated one and its redrive among them), one failed
    // past its tolerance, one was stopped.
    expect(
      executions
        .filter((e) => /^wordcount-\d{8}T/.test(e.name))
        .map((e) => e.status)
        .sort(),
    ).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(executions.find((e) => e.name === 'wordcount-nightly-20260102T030000')?.status).toBe('SUCCEEDED');
  });
});

describe('attacks on the deployed functions, through the real SDK', () => {
  const clientConfig = () => ({
    region: 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'S3RVER',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER',
    },
  });
  const s3 = () =>
    new S3Client({
      ...clientConfig(),
      endpoint: String(env.AWS_ENDPOINT_URL_S3),
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const sfn = () => new SFNClient({ ...clientConfig(), endpoint: String(env.AWS_ENDPOINT_URL_SFN) });

  /** Every key under a prefix of the bucket, with its ETag. */
  async function objects(prefix: string): Promise<Record<string, string>> {
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key ?? '', o.ETag ?? '']));
  }

  /** Starts an execution of the stack's state machine with `input` and waits for its end. */
  async function execute(name: string, input: object): Promise<{ status: string; cause: string }> {
    const machines = await sfn().send(new ListStateMachinesCommand({}));
    const stateMachineArn = machines.stateMachines?.find(
      (m) => m.name === 'stepmr-dev-jobs',
    )?.stateMachineArn;
    const { executionArn } = await sfn().send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    for (;;) {
      const run = await sfn().send(new DescribeExecutionCommand({ executionArn }));
      if (run.status !== 'RUNNING') return { status: run.status ?? '', cause: run.cause ?? '' };
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const run = {
    reduce: true,
    splitsPerTask: 1,
    partitionsPerTask: 1,
    toleratedFailurePercentage: 0,
    toleratedFailureCount: 0,
    delegate: false,
    callsPerTask: 1,
    delegateTasks: 1,
  };

  it('an execution whose prefix is out/ or work/ deletes nothing (its Abort refuses)', async () => {
    const before = { out: await objects('out/'), work: await objects('work/') };
    expect(Object.keys(before.out).length).toBeGreaterThan(0);
    for (const [name, prefix] of [
      ['evil-out', 'out/'],
      ['evil-work', 'work/'],
    ] as const) {
      const ended = await execute(name, { jobId: name, bucket, prefix, run });
      expect(ended.status).toBe('FAILED');
    }
    expect(await objects('out/')).toEqual(before.out);
    expect(await objects('work/')).toEqual(before.work);
  });

  it('a job.json written under work/ naming a module path or a local file runs and reads neither', async () => {
    const marker = join(tmp.dir, 'evil-module-ran');
    const module = join(tmp.dir, 'evil.mjs');
    writeFileSync(
      module,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n`,
    );
    const secret = join(tmp.dir, 'credentials');
    writeFileSync(secret, 'aws_secret_access_key = wJalrXUtnFEMI-offline-canary\n');
    // The control: the same hand-made plan, naming a registered job and an object of the
    // bucket, runs; so the attacks below fail for what they name, not for their shape.
    const split = `s3://${bucket}/in/logs/access-1.log`;
    const cases = [
      { jobId: 'forged-control', module: 'job:wordcount', split, status: 'SUCCEEDED' },
      { jobId: 'evil-module', module, split, status: 'FAILED' },
      { jobId: 'evil-file', module: 'job:wordcount', split: pathToFileURL(secret).href, status: 'FAILED' },
    ];
    for (const c of cases) {
      const prefix = `work/${c.jobId}/`;
      const plan = {
        version: 1,
        jobId: c.jobId,
        createdAt: new Date().toISOString(),
        job: { name: 'wordcount', module: c.module },
        inputs: [c.split],
        output: `s3://${bucket}/out/${c.jobId}/`,
        input: { kind: 'lines' },
        outputFormat: { kind: 'jsonl' },
        reducers: 1,
        splits: 1,
        splitSize: 1 << 20,
        inputBytes: 60,
        memoryBudget: 1 << 20,
        maxRecordBytes: 1 << 20,
        badRecords: { policy: 'fail', max: 0 },
        overwrite: false,
      };
      const item = { id: 0, uri: c.split, start: 0, end: 60, size: 60 };
      await s3().send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}job.json`, Body: JSON.stringify(plan) }),
      );
      await s3().send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}splits.jsonl`,
          Body: `${JSON.stringify(item)}\n`,
        }),
      );
      const ended = await execute(c.jobId, { jobId: c.jobId, bucket, prefix, run });
      expect(ended.status, `${c.jobId}: ${ended.cause}`).toBe(c.status);
      const published = Object.keys(await objects(`out/${c.jobId}/`));
      expect(published.length > 0, c.jobId).toBe(c.status === 'SUCCEEDED');
    }
    expect(existsSync(marker)).toBe(false);
  });
});
