import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { createHandlers } from '../../../framework/handlers/createHandlers.js';
import { planJob } from '../../../framework/plan/planJob.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { registerStoreOpener } from '../../../framework/store/uri.js';
import type { JobPlan, JobRef } from '../../../framework/tasks/payloads.js';
import { listKeys, wordcount, writeMapRunResults } from '../tasks/support.js';

/**
 * Attacks on the deployed functions, replayed against the real handlers of createHandlers over
 * the stack's bucket (a local folder here, behind the same checks as S3). Whoever can start an
 * execution, invoke a function or write under work/ controls the event, job.json, kept.json and
 * the Map Run results; none of it may make a function delete, read or publish what the stack
 * does not allow.
 */

const BUCKET = 'stack-data';
const context = { functionName: 'stepmr-dev-collect', awsRequestId: 'req-1' } as Context;
let dir: string;
let bucket: FileStore;
let handlers: ReturnType<typeof createHandlers>;

/** A published result, an input and a user's local file: what the attacks aim at. */
const PUBLISHED = { 'out/report/part-00000.jsonl': '{"key":"a","value":1}\n', 'out/report/_SUCCESS': '{}\n' };
const INPUT = 'in/corpus/a.txt';

beforeEach(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  dir = mkdtempSync(join(tmpdir(), 'stepmr-attacks-'));
  bucket = new FileStore(join(dir, 'bucket'));
  for (const [key, body] of Object.entries(PUBLISHED)) await bucket.put(key, body);
  await bucket.put(INPUT, 'the quick brown fox\njumps over the lazy dog\n');
  await bucket.put('work/other-job/job.json', '{}\n');
  // Planning, as stepmr submit does, looks at the output location in the same bucket.
  registerStoreOpener('s3', (parsed) => {
    if (parsed.scheme !== 's3' || parsed.bucket !== BUCKET)
      throw new Error(`no bucket ${JSON.stringify(parsed)}`);
    return { store: bucket, key: parsed.key };
  });
  // Imported once the log level is set: the functions' logger reads it when first loaded.
  const { createHandlers } = await import('../../../framework/handlers/createHandlers.js');
  handlers = createHandlers(
    { jobs: { wordcount } },
    { bucket: BUCKET, bucketStore: () => bucket, tmpDir: dir },
  );
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** Plans a legitimate job of the registry, as `stepmr submit` does. */
async function legitimate(overwrite = false) {
  return planJob({
    job: wordcount,
    name: 'wordcount',
    module: 'job:wordcount',
    inputs: [`s3://${BUCKET}/in/corpus/`],
    files: [{ uri: `s3://${BUCKET}/${INPUT}`, size: (await bucket.head(INPUT))?.size ?? 0 }],
    output: `s3://${BUCKET}/out/wc/`,
    outputFormat: { kind: 'jsonl' },
    work: { store: bucket, bucket: BUCKET, prefix: 'work/' },
    reducers: 2,
    splitSize: 1 << 20,
    memoryBudget: 1 << 20,
    maxRecordBytes: 1 << 20,
    overwrite,
  });
}

/**
 * Rewrites a job's job.json, as anyone who can write under work/ can. (A warm function reads a
 * job's plan once, so each attack tampers with a fresh job before any function reads it.)
 */
async function tamper(ref: JobRef, plan: JobPlan, change: Partial<JobPlan>): Promise<void> {
  await bucket.put(`${ref.prefix}job.json`, `${JSON.stringify({ ...plan, ...change })}\n`);
}

/** Every key in the bucket but the given job's working objects, with its bytes. */
async function snapshot(except?: string): Promise<Record<string, string>> {
  const all: Record<string, string> = {};
  for (const key of await listKeys(bucket, '')) {
    if (except && key.startsWith(except)) continue;
    all[key] = (await bucket.get(key)).toString('utf8');
  }
  return all;
}

describe('the deployed functions refuse', () => {
  it('an abort whose prefix is the published results or all jobs’ work (finding 1)', async () => {
    const before = await snapshot();
    for (const prefix of ['out/', 'out/report/', 'work/', '', 'in/']) {
      const event = { action: 'abort', jobId: 'evil1', bucket: BUCKET, prefix };
      await expect(handlers.collect(event, context)).rejects.toMatchObject({ name: /Forbidden|TaskInput/ });
    }
    // The prefix of another job is not this job's either.
    const other = { action: 'abort', jobId: 'evil1', bucket: BUCKET, prefix: 'work/other-job/' };
    await expect(handlers.collect(other, context)).rejects.toMatchObject({ name: 'ForbiddenTaskInputError' });
    expect(await snapshot()).toEqual(before);
  });

  it('another bucket, in any event', async () => {
    const { ref, splits } = await legitimate();
    const elsewhere = { ...ref, bucket: 'someone-elses-bucket' };
    await expect(handlers.map({ BatchInput: elsewhere, Items: splits }, context)).rejects.toMatchObject({
      name: 'ForbiddenTaskInputError',
    });
    await expect(handlers.collect({ action: 'abort', ...elsewhere }, context)).rejects.toMatchObject({
      name: 'ForbiddenTaskInputError',
    });
  });

  it('a job.json naming a module path: the module never runs (finding 2)', async () => {
    const marker = join(dir, 'module-ran');
    const evil = join(dir, 'evil.mjs');
    writeFileSync(
      evil,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`,
    );
    const { ref, plan, splits } = await legitimate();
    for (const module of [evil, pathToFileURL(evil).href]) {
      await tamper(ref, plan, { job: { name: 'wordcount', module } });
      await expect(handlers.map({ BatchInput: ref, Items: splits }, context)).rejects.toMatchObject({
        name: 'ForbiddenTaskInputError',
        message: expect.stringContaining('registered'),
      });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a split naming a local file or another bucket: nothing of it is read (finding 2)', async () => {
    const secret = join(dir, 'credentials');
    writeFileSync(secret, '[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n');
    const { ref, splits } = await legitimate();
    const first = splits[0];
    if (!first) throw new Error('the plan has no split');
    for (const uri of [pathToFileURL(secret).href, 'file:///proc/self/environ', 's3://other-bucket/secret']) {
      const split = { ...first, uri, end: 60, size: 60 };
      await expect(handlers.map({ BatchInput: ref, Items: [split] }, context)).rejects.toMatchObject({
        name: 'ForbiddenTaskInputError',
      });
    }
    // Nothing was written for the job: no shuffle object holds the file's words.
    expect(await listKeys(bucket, `${ref.prefix}shuffle/`)).toEqual([]);
  });

  it('an output outside out/, a local folder, or out/ itself: nothing is deleted (finding 2)', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    writeFileSync(join(userDir, 'notes.txt'), 'mine\n');
    const before = await snapshot('work/');
    for (const output of [
      pathToFileURL(userDir).href,
      `s3://${BUCKET}/out/`,
      `s3://${BUCKET}/in/`,
      `s3://${BUCKET}/out/../in/`,
      `s3://other-bucket/out/x/`,
    ]) {
      const { ref, plan, splits } = await legitimate(true);
      await tamper(ref, plan, { output, overwrite: true });
      await expect(handlers.map({ BatchInput: ref, Items: splits }, context)).rejects.toMatchObject({
        name: 'ForbiddenTaskInputError',
        message: expect.stringContaining(`output ${output}`),
      });
      const details = await writeMapRunResults(bucket, `${ref.prefix}results/map/`, [], [], BUCKET);
      const commit = { action: 'commit', ...ref, map: details, reduce: null };
      await expect(handlers.collect(commit, context)).rejects.toMatchObject({
        name: 'ForbiddenTaskInputError',
      });
      // The abort that follows a failed commit removes the job's own work, and nothing else.
      await handlers.collect({ action: 'abort', ...ref }, context).catch(() => undefined);
    }
    expect(readFileSync(join(userDir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(await snapshot('work/')).toEqual(before);
  });

  it('a redrive or kept.json naming prefixes that are not jobs’ work (finding 1)', async () => {
    const before = await snapshot('work/');
    const first = await legitimate();
    await tamper(first.ref, first.plan, { redrive: { jobId: 'old', prefix: 'out/' } });
    const details = await writeMapRunResults(bucket, `${first.ref.prefix}results/map/`, [], [], BUCKET);
    await expect(
      handlers.collect({ action: 'prepareReduce', ...first.ref, map: details }, context),
    ).rejects.toMatchObject({ name: 'ForbiddenTaskInputError', message: expect.stringContaining('"out/"') });

    // A redrive of a real earlier job whose kept.json lists out/ among its prefixes.
    const earlier = 'wordcount-earlier';
    const kept = {
      version: 1,
      jobId: earlier,
      succeeded: [],
      failed: [],
      prefixes: [`work/${earlier}/`, 'out/'],
    };
    await bucket.put(`work/${earlier}/kept.json`, JSON.stringify(kept));
    const second = await legitimate();
    await tamper(second.ref, second.plan, { redrive: { jobId: earlier, prefix: `work/${earlier}/` } });
    const secondDetails = await writeMapRunResults(
      bucket,
      `${second.ref.prefix}results/map/`,
      [],
      [],
      BUCKET,
    );
    await expect(
      handlers.collect({ action: 'commit', ...second.ref, map: secondDetails, reduce: null }, context),
    ).rejects.toMatchObject({ name: 'ForbiddenTaskInputError', message: expect.stringContaining('"out/"') });
    expect(await snapshot('work/')).toEqual(before);
  });

  it('Map Run results naming objects outside the job’s work: none is moved (finding 1)', async () => {
    const { ref, splits } = await legitimate();
    const before = await snapshot(ref.prefix);
    // A map-only commit whose staged "part" is the input, and a manifest outside the job's work.
    const part = { part: 0, key: INPUT, records: 2, bytes: 44, sha256: 'x' };
    const output = { splits: [0], part, recordsIn: 2, recordsOut: 2, bytesIn: 44, spills: 0, ms: 1 };
    const details = await writeMapRunResults(
      bucket,
      `${ref.prefix}results/map/`,
      [{ input: { Items: splits }, output }],
      [],
      BUCKET,
    );
    await expect(
      handlers.collect({ action: 'commit', ...ref, map: details, reduce: null }, context),
    ).rejects.toMatchObject({ name: 'ForbiddenTaskInputError' });
    const outside = { Bucket: BUCKET, Key: 'work/other-job/job.json' };
    await expect(
      handlers.collect({ action: 'commit', ...ref, map: outside, reduce: null }, context),
    ).rejects.toMatchObject({ name: 'ForbiddenTaskInputError' });
    expect(await snapshot(ref.prefix)).toEqual(before);
  });

  it('a stream state naming a local folder, another bucket, or a folder other than its stream’s earlier state: nothing of it is read or written', async () => {
    const before = await snapshot('work/');
    for (const change of [
      { state: { uri: pathToFileURL(dir).href.replace(/\/?$/, '/') } },
      { state: { uri: 's3://other-bucket/out/streams/x/snapshot=0000000001/' } },
      // A window's state goes beside the output, which must then be a batch folder under out/.
      { window: { sizeMs: 10, watermark: 0 }, output: `s3://${BUCKET}/in/batch=0000000001/` },
      // In the stack's bucket, but not this stream's earlier state: folded into its result.
      ...[
        'out/streams/other/_state/batch=0000000001/',
        'out/streams/x/_state/batch=0000000002/',
        'out/wc/',
        'in/',
      ].map((key) => ({
        output: `s3://${BUCKET}/out/streams/x/batch=0000000002/`,
        state: { uri: `s3://${BUCKET}/${key}` },
      })),
      { state: { uri: `s3://${BUCKET}/out/streams/x/snapshot=0000000001/` } },
    ]) {
      const { ref, plan } = await legitimate();
      await tamper(ref, plan, change);
      await expect(
        handlers.reduce({ BatchInput: ref, Items: [{ partition: 0 }] }, context),
      ).rejects.toMatchObject({ name: 'ForbiddenTaskInputError' });
    }
    expect(await snapshot('work/')).toEqual(before);
  });

  it('but run a legitimate job to the same result as an independent count', async () => {
    const { ref, splits } = await legitimate();
    const map = (await handlers.map({ BatchInput: ref, Items: splits }, context)) as object;
    const mapDetails = await writeMapRunResults(
      bucket,
      `${ref.prefix}results/map/`,
      [{ input: { BatchInput: ref, Items: splits }, output: map }],
      [],
      BUCKET,
    );
    await handlers.collect({ action: 'prepareReduce', ...ref, map: mapDetails }, context);
    const reduce = await handlers.reduce(
      { BatchInput: ref, Items: [{ partition: 0 }, { partition: 1 }] },
      context,
    );
    const reduceDetails = await writeMapRunResults(
      bucket,
      `${ref.prefix}results/reduce/`,
      [{ input: {}, output: reduce }],
      [],
      BUCKET,
    );
    await handlers.collect({ action: 'commit', ...ref, map: mapDetails, reduce: reduceDetails }, context);
    const counted: Record<string, number> = {};
    for (const key of await listKeys(bucket, 'out/wc/')) {
      if (!key.endsWith('.jsonl')) continue;
      for (const line of (await bucket.get(key)).toString('utf8').split('\n').filter(Boolean)) {
        const { key: word, value } = JSON.parse(line) as { key: string; value: number };
        counted[word] = value;
      }
    }
    const expected: Record<string, number> = {};
    for (const word of (await bucket.get(INPUT)).toString('utf8').split(/\s+/).filter(Boolean)) {
      expected[word] = (expected[word] ?? 0) + 1;
    }
    expect(counted).toEqual(expected);
  });
});
