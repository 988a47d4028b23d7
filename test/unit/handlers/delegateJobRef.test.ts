import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import delegateJob, { DELEGATE_JOB_NAME, DELEGATE_JOB_REF } from '../../../framework/delegate/delegateJob.js';
import type { createHandlers } from '../../../framework/handlers/createHandlers.js';
import { http } from '../../../framework/index.js';
import { resolveDelegate } from '../../../framework/job/options.js';
import { planJob } from '../../../framework/plan/planJob.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { registerStoreOpener } from '../../../framework/store/uri.js';
import { type ScoreServer, startScoreServer } from '../../support/scoreServer.js';
import { wordcount } from '../tasks/support.js';

/**
 * The deployed functions load the built-in delegate job by its reserved reference
 * (`job:stepmr.delegate`) without the config registering it. Only that exact reference does:
 * a job.json forged to look like it loads nothing else, and the built-in job's calls are still
 * only those the config's `delegates` allows.
 */

const BUCKET = 'stack-data';
const context = { functionName: 'stepmr-dev-delegate', awsRequestId: 'req-1' } as Context;
let dir: string;
let bucket: FileStore;
let handlers: ReturnType<typeof createHandlers>;
let allowed: ScoreServer;
let other: ScoreServer;

beforeAll(async () => {
  allowed = await startScoreServer(0);
  other = await startScoreServer(0);
});
afterAll(() => {
  allowed?.close();
  other?.close();
});

beforeEach(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  dir = mkdtempSync(join(tmpdir(), 'stepmr-delegate-ref-'));
  bucket = new FileStore(join(dir, 'bucket'));
  registerStoreOpener('s3', (parsed) => {
    if (parsed.scheme !== 's3' || parsed.bucket !== BUCKET)
      throw new Error(`no bucket ${JSON.stringify(parsed)}`);
    return { store: bucket, key: parsed.key };
  });
  const { createHandlers } = await import('../../../framework/handlers/createHandlers.js');
  handlers = createHandlers(
    { jobs: { wordcount }, delegates: { apis: [allowed.url] } },
    { bucket: BUCKET, bucketStore: () => bucket, tmpDir: dir },
  );
  allowed.requests.length = 0;
  other.requests.length = 0;
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** The built-in job planned as `delegate(tasks, { on: 'stack' })` plans it. */
async function planned() {
  const tasks = `${JSON.stringify(http(`${allowed.url}/score`).post({ id: 1, x: 2 }))}\n`;
  await bucket.put('work/tasks/tasks.jsonl', tasks);
  return planJob({
    job: delegateJob,
    name: DELEGATE_JOB_NAME,
    module: DELEGATE_JOB_REF,
    inputs: [`s3://${BUCKET}/work/tasks/tasks.jsonl`],
    files: [{ uri: `s3://${BUCKET}/work/tasks/tasks.jsonl`, size: Buffer.byteLength(tasks) }],
    output: `s3://${BUCKET}/out/stepmr-delegate/d-1/`,
    outputFormat: { kind: 'jsonl' },
    work: { store: bucket, bucket: BUCKET, prefix: 'work/' },
    reducers: 0,
    splitSize: 1 << 20,
    memoryBudget: 1 << 20,
    maxRecordBytes: 1 << 20,
    overwrite: false,
    delegate: resolveDelegate(delegateJob, {}),
  });
}

describe('the built-in delegate job on the deployed functions', () => {
  it('is loaded by its exact reference and calls what the config allows', async () => {
    const { ref, splits } = await planned();
    // The map task loads the job to turn the input's records into calls.
    await expect(handlers.map({ BatchInput: ref, Items: splits }, context)).resolves.toMatchObject({
      recordsIn: 1,
    });
    const items = [3, 1, 2].map((id) => ({
      index: id,
      task: http(`${allowed.url}/score`).post({ id, x: id }),
    }));
    await handlers.delegate({ BatchInput: ref, Items: items }, context);
    expect(allowed.requests.map((r) => r.id).sort()).toEqual([1, 2, 3]);
  });

  it('refuses a forged job.json that dresses another module as the built-in name: nothing runs', async () => {
    const marker = join(dir, 'module-ran');
    const evil = join(dir, 'evil.mjs');
    writeFileSync(
      evil,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`,
    );
    const { ref, plan, splits } = await planned();
    for (const module of [
      `${DELEGATE_JOB_REF}/../../../${evil}`,
      `${DELEGATE_JOB_REF}${evil}`,
      `${DELEGATE_JOB_REF} `,
      `${DELEGATE_JOB_REF}.mjs`,
      'job:stepmr.Delegate',
      `stream:${DELEGATE_JOB_NAME}`,
      evil,
    ]) {
      await bucket.put(
        `${ref.prefix}job.json`,
        `${JSON.stringify({ ...plan, job: { ...plan.job, module } })}\n`,
      );
      await expect(handlers.map({ BatchInput: ref, Items: splits }, context)).rejects.toMatchObject({
        name: /ForbiddenTaskInputError|JobModuleError/,
      });
    }
    expect(existsSync(marker)).toBe(false);
    expect(allowed.requests).toEqual([]);
  });

  it('refuses a batch of the built-in job that calls outside the config’s delegates, before any call', async () => {
    const { ref } = await planned();
    const items = [
      { index: 0, task: http(`${allowed.url}/score`).post({ id: 1, x: 2 }) },
      { index: 1, task: http(`${other.url}/score`).post({ id: 2, x: 3 }) },
    ];
    await expect(handlers.delegate({ BatchInput: ref, Items: items }, context)).rejects.toMatchObject({
      name: 'ForbiddenTaskInputError',
    });
    expect(allowed.requests).toEqual([]);
    expect(other.requests).toEqual([]);
  });
});
