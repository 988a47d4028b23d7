import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planJob } from '../../../framework/plan/planJob.js';
import { loadJobModule } from '../../../framework/runtime/loadJob.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { registerStoreOpener } from '../../../framework/store/uri.js';

/**
 * What the deployed functions log, at the most verbose level, when a task fails on a bad
 * record: the failure, with the record's position, but never the record, the event's data, or
 * the credentials in the function's environment.
 */

const dir = mkdtempSync(join(tmpdir(), 'stepmr-logs-'));
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SECRET_RECORD = 'password=hunter2-correct-horse';
const saved = { ...process.env };

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  // The logger then writes through the global console, which the test can watch.
  process.env.POWERTOOLS_DEV = 'true';
  process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
  process.env.AWS_SESSION_TOKEN = `${SECRET_KEY}-session`;
  process.env.STEPMR_TMP_DIR = dir;
});

afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

const context = {
  functionName: 'stepmr-dev-map',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:stepmr-dev-map',
  memoryLimitInMB: '1024',
  awsRequestId: '0a1b2c3d-aaaa-bbbb-cccc-444455556666',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe('the functions’ logs', () => {
  it('name a failed task’s error and position, never the record or the credentials', async () => {
    // The stack's bucket, as a local folder behind the deployed functions' own checks.
    const bucket = new FileStore(join(dir, 'bucket'));
    const job = await loadJobModule(resolve(import.meta.dirname, '../../fixtures/jobs/sales.ts'));
    const body = `{"region":"eu","amount":3}\n{"region":"us","note":"${SECRET_RECORD}",\n`;
    await bucket.put('in/sales.jsonl', body);
    // Planning, as stepmr submit does, looks at the output location in the same bucket.
    registerStoreOpener('s3', (parsed) => ({ store: bucket, key: parsed.scheme === 's3' ? parsed.key : '' }));
    const { ref, splits } = await planJob({
      job,
      name: 'sales',
      module: 'job:sales',
      inputs: ['s3://data/in/sales.jsonl'],
      files: [{ uri: 's3://data/in/sales.jsonl', size: Buffer.byteLength(body) }],
      output: 's3://data/out/sales/',
      outputFormat: { kind: 'jsonl' },
      work: { store: bucket, bucket: 'data', prefix: 'work/' },
      reducers: 1,
      splitSize: 1 << 20,
      memoryBudget: 1 << 20,
      maxRecordBytes: 1 << 20,
    });
    const written: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      }),
    );
    try {
      // Imported here: the functions' logger reads its settings from the environment set above.
      const { createHandlers } = await import('../../../framework/handlers/createHandlers.js');
      const { map } = createHandlers({ jobs: { sales: job } }, { bucket: 'data', bucketStore: () => bucket });
      const event = { BatchInput: ref, Items: splits };
      await expect(map(event, context)).rejects.toMatchObject({ name: 'BadRecordError' });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const logs = written.join('\n');
    // Each entry is one JSON object (indented in this mode).
    const lines = written.map((entry) => JSON.parse(entry) as Record<string, unknown>);
    const failure = lines.find((l) => l.message === 'map task failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      errorType: 'BadRecordError',
      function_name: 'stepmr-dev-map',
    });
    expect(String(failure?.errorMessage)).toMatch(/sales\.jsonl at byte 27 \(line 2\)/);
    for (const secret of [SECRET_RECORD, 'hunter2', SECRET_KEY, 'AKIAIOSFODNN7EXAMPLE']) {
      expect(logs).not.toContain(secret);
    }
  });
});
