import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidOutputError,
  OutputExistsError,
  OutputOverlapsInputError,
} from '../../../framework/plan/errors.js';
import { type PlanRequest, planJob } from '../../../framework/plan/planJob.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { registerS3Opener, S3Store } from '../../../framework/store/S3Store.js';
import { toUri } from '../../../framework/store/uri.js';
import { tempDir } from '../../e2e/helpers.js';
import { type S3rverFixture, startS3rver } from '../../support/s3rver.js';
import { wordcount } from '../tasks/support.js';

const BUCKET = 'plan-out';
const tmp = tempDir('stepmr-check-output-');
let s3: S3rverFixture;

/** A `_SUCCESS` as stepmr's commit writes it, listing `parts`. */
const success = (jobId: string, parts: readonly string[]) =>
  JSON.stringify({
    version: 1,
    jobId,
    parts: parts.map((name) => ({ name, records: 1, bytes: 2, sha256: '0' })),
  });

/** Every key in the bucket with its size: what planning must leave as it was when it refuses. */
async function bucketListing(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of new S3Store({ client: s3.client, bucket: BUCKET }).list(''))
    keys.push(`${o.key} ${o.size}`);
  return keys;
}

function request(output: string, inputs: readonly string[], overwrite: boolean, work: PlanRequest['work']) {
  return {
    job: wordcount,
    name: 'wc',
    module: 'job:wc',
    inputs,
    output,
    outputFormat: { kind: 'jsonl' as const },
    work,
    reducers: 2,
    splitSize: 1 << 20,
    memoryBudget: 1 << 20,
    maxRecordBytes: 1 << 20,
    overwrite,
  };
}

beforeAll(async () => {
  s3 = await startS3rver({ bucket: BUCKET });
  registerS3Opener(() => s3.client);
  const store = new S3Store({ client: s3.client, bucket: BUCKET });
  await store.put('in/corpus/a.txt', 'alpha beta\n');
  await store.put('out/old/part-00000.jsonl', '{"key":"a","value":1}\n');
  await store.put('out/old/_SUCCESS', success('wc-20261201T030000-abcdef', ['part-00000.jsonl']));
  await store.put('out/other/notes.txt', 'not a result\n');
  await store.put('out/in/a.txt', 'gamma\n');
});
afterAll(async () => {
  await s3.stop();
  tmp.cleanup();
});

describe('planJob, an s3:// output', () => {
  const plan = (output: string, inputs = [`s3://${BUCKET}/in/corpus/`], overwrite = true) =>
    planJob(
      request(output, inputs, overwrite, {
        store: new S3Store({ client: s3.client, bucket: BUCKET }),
        bucket: BUCKET,
        prefix: 'work/',
      }),
    );

  it.each([
    [`s3://${BUCKET}/out/`, 'results folder itself'],
    [`s3://${BUCKET}/out`, 'results folder itself'],
    [`s3://${BUCKET}/`, `not under s3://${BUCKET}/out/`],
    [`s3://${BUCKET}/in/result/`, `not under s3://${BUCKET}/out/`],
    [`s3://${BUCKET}/work/x/`, `not under s3://${BUCKET}/out/`],
    [`s3://another-bucket/out/wc/`, `not under s3://${BUCKET}/out/`],
    [`s3://${BUCKET}/out//wc/`, "empty, '.' or '..' segment"],
    [`s3://${BUCKET}/out/../in/`, "empty, '.' or '..' segment"],
  ])('refuses %s, even with --overwrite, saying where to publish instead', async (output, why) => {
    const before = await bucketListing();
    const refused = plan(output);
    await expect(refused).rejects.toBeInstanceOf(InvalidOutputError);
    await expect(plan(output)).rejects.toThrow(why);
    await expect(plan(output)).rejects.toThrow(
      `choose a folder of its own there, such as s3://${BUCKET}/out/<name>/`,
    );
    expect(await bucketListing()).toEqual(before);
  });

  it('takes a folder under out/: empty, or holding a stepmr result to replace', async () => {
    expect((await plan(`s3://${BUCKET}/out/wc/`, undefined, false)).plan.overwrite).toBe(false);
    expect((await plan(`s3://${BUCKET}/out/old/`)).plan.overwrite).toBe(true);
    // `out/in` holds objects, `out/in2` does not: a key is compared segment by segment.
    expect((await plan(`s3://${BUCKET}/out/in2/`, [`s3://${BUCKET}/out/in/`], false)).plan.overwrite).toBe(
      false,
    );
  });

  it('refuses a folder that holds objects but no stepmr result, even with --overwrite', async () => {
    const before = await bucketListing();
    await expect(plan(`s3://${BUCKET}/out/other/`)).rejects.toBeInstanceOf(OutputExistsError);
    await expect(plan(`s3://${BUCKET}/out/other/`)).rejects.toThrow(
      /not a stepmr result \(it has no _SUCCESS\).*choose another --output, or empty that one yourself/,
    );
    expect(await bucketListing()).toEqual(before);
  });

  it.each([
    [[`s3://${BUCKET}/out/old/`], `s3://${BUCKET}/out/old/again/`, 'lies inside input'],
    [[`s3://${BUCKET}/out/old/`], `s3://${BUCKET}/out/old`, 'is input'],
    [[`s3://${BUCKET}/out/old/part-*.jsonl`], `s3://${BUCKET}/out/old/`, 'is input'],
    [[`s3://${BUCKET}/out/*/part-*.jsonl`], `s3://${BUCKET}/out/old/`, 'lies inside input'],
    [[`s3://${BUCKET}/out/in/a.txt`], `s3://${BUCKET}/out/in/`, 'holds input'],
  ])('refuses to read %s and write %s', async (inputs, output, relation) => {
    const before = await bucketListing();
    await expect(plan(output, inputs)).rejects.toBeInstanceOf(OutputOverlapsInputError);
    await expect(plan(output, inputs)).rejects.toThrow(`${relation} ${inputs[0]}`);
    await expect(plan(output, inputs)).rejects.toThrow('choose an --output outside every input');
    expect(await bucketListing()).toEqual(before);
  });
});

describe('planJob, a local output', () => {
  const dir = (name: string) => join(tmp.dir, name);
  const plan = (output: string, inputs: readonly string[], overwrite = true) =>
    planJob(request(toUri(output), inputs, overwrite, { store: new FileStore(dir('work')), bucket: 'w' }));

  beforeAll(() => {
    mkdirSync(dir('in/sub'), { recursive: true });
    writeFileSync(dir('in/a.txt'), 'alpha\n');
    writeFileSync(dir('in/sub/b.txt'), 'beta\n');
    symlinkSync(dir('in'), dir('link'));
    mkdirSync(dir('hadoop'));
    writeFileSync(dir('hadoop/_SUCCESS'), '');
    writeFileSync(dir('hadoop/part-00000'), 'x\n');
    mkdirSync(dir('forged'));
    writeFileSync(dir('forged/_SUCCESS'), success('wc-1', ['../in/a.txt']));
  });

  it('takes an output next to the input whose name starts alike (in2 is not inside in)', async () => {
    expect((await plan(dir('in2'), [dir('in')])).plan.overwrite).toBe(false);
  });

  it.each([
    ['the input itself', 'in', ['in'], 'is input'],
    ['a folder inside it', 'in/result', ['in'], 'lies inside input'],
    ['a folder inside it through a symbolic link', 'link/result', ['in'], 'lies inside input'],
    ['a folder a glob input reads from', 'in/sub/result', ['in/*/*.txt'], 'lies inside input'],
    ['a folder that holds it', '.', ['in/a.txt'], 'holds input'],
  ])('refuses %s', async (_, output, inputs, relation) => {
    const given = inputs.map(dir);
    await expect(plan(dir(output), given)).rejects.toBeInstanceOf(OutputOverlapsInputError);
    await expect(plan(dir(output), given)).rejects.toThrow(`${relation} ${given[0]}`);
  });

  it.each([
    ['hadoop', 'its _SUCCESS is not a JSON manifest'],
    ['forged', 'its _SUCCESS is not a stepmr manifest'],
  ])('refuses to replace %s, whose _SUCCESS stepmr did not write', async (name, why) => {
    await expect(plan(dir(name), [dir('in')])).rejects.toThrow(`not a stepmr result (${why}`);
  });
});
