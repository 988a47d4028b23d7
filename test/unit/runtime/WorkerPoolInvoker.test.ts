import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeResult } from '../../../framework/engine/Invoker.js';
import type { Job } from '../../../framework/job/defineJob.js';
import { planJob } from '../../../framework/plan/planJob.js';
import { LOCAL_BUCKETS_ENV } from '../../../framework/runtime/embedded/embeddedDeps.js';
import { handlerOf, WorkerPoolInvoker } from '../../../framework/runtime/embedded/WorkerPoolInvoker.js';
import { loadJobModule } from '../../../framework/runtime/loadJob.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { toUri } from '../../../framework/store/uri.js';
import type { MapTaskEvent, MapTaskResult } from '../../../framework/tasks/payloads.js';
import { workKeys } from '../../../framework/tasks/payloads.js';

const MAP = 'arn:aws:lambda:local:000000000000:function:stepmr-local-map';
const BUCKET = 'stepmr-work';
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/jobs');

describe('handlerOf', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:123456789012:function:stepmr-prod-map', 'map'],
    ['arn:aws:lambda:local:000000000000:function:stepmr-local-reduce', 'reduce'],
    ['stepmr-dev-collect', 'collect'],
    ['collect', 'collect'],
  ])('resolves %s to the %s handler', (arn, handler) => {
    expect(handlerOf(arn)).toBe(handler);
  });

  it.each([
    'arn:aws:lambda:local:000000000000:function:stepmr-local-shuffle',
    'stepmr-local-mapper',
    '',
    // Names every object has through its prototype are not handlers.
    'arn:aws:lambda:local:000000000000:function:stepmr-local-constructor',
    'stepmr-local-toString',
    'stepmr-local-__proto__',
  ])('resolves %j to no handler', (arn) => {
    expect(handlerOf(arn)).toBeUndefined();
  });
});

describe('WorkerPoolInvoker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepmr-pool-'));
  const work = new FileStore(join(dir, 'work'));
  let pool: WorkerPoolInvoker;
  let inputs = 0;

  /** Plans a one-split map task of a fixture job over `text`, as the engine would send it. */
  async function mapEvent(fixture: string, text: string): Promise<MapTaskEvent> {
    const module = join(FIXTURES, fixture);
    const input = join(dir, `input-${inputs++}.txt`);
    writeFileSync(input, text);
    const job: Job = await loadJobModule(module);
    const { ref, splits } = await planJob({
      job,
      name: fixture,
      module,
      inputs: [input],
      output: toUri(join(dir, 'out')),
      outputFormat: { kind: 'jsonl' },
      work: { store: work, bucket: BUCKET },
      reducers: 2,
      splitSize: 1 << 20,
      memoryBudget: 1 << 20,
      maxRecordBytes: 1 << 20,
    });
    return { BatchInput: ref, Items: splits };
  }

  /** A map task that succeeds, and what it must report. */
  async function expectServed(): Promise<void> {
    const lines = ['one', 'two', 'two', 'three', 'three', 'three'];
    const result = await pool.invoke(MAP, await mapEvent('faults.ts', `${lines.join('\n')}\n`));
    expect(result.functionError).toBeUndefined();
    const payload = result.payload as MapTaskResult;
    expect(payload.recordsIn).toBe(lines.length);
    expect(payload.recordsOut).toBe(lines.length);
    expect(await work.head(payload.shuffle?.key ?? '')).toMatchObject({ size: payload.shuffle?.bytes });
    expect(result.responseBytes).toBe(Buffer.byteLength(JSON.stringify(payload)));
  }

  function expectFunctionError(result: InvokeResult, errorType: string): string {
    expect(result.functionError?.errorType).toBe(errorType);
    expect(result.payload).toEqual(result.functionError);
    return result.functionError?.errorMessage ?? '';
  }

  beforeAll(() => {
    mkdirSync(join(dir, 'tmp'));
    pool = new WorkerPoolInvoker({
      threads: 1,
      timeoutSeconds: 60,
      env: {
        [LOCAL_BUCKETS_ENV]: JSON.stringify({ [BUCKET]: join(dir, 'work') }),
        STEPMR_TMP_DIR: join(dir, 'tmp'),
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    });
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a map task in a worker', async () => {
    await expectServed();
  });

  it.each([
    'arn:aws:lambda:local:000000000000:function:stepmr-local-shuffle',
    'arn:aws:lambda:local:000000000000:function:stepmr-local-constructor',
  ])('rejects an unknown function %s with Lambda.ResourceNotFoundException', async (arn) => {
    await expect(pool.invoke(arn, {})).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
  });

  it('fails a task past its timeout with Sandbox.Timedout, then serves the next one', async () => {
    const event = await mapEvent('faults.ts', 'a\nb\nspin\nc\n');
    const result = await pool.invoke(MAP, event, { timeoutSeconds: 1 });
    expect(expectFunctionError(result, 'Sandbox.Timedout')).toMatch(/timed out after 1\.00 seconds/);
    await expectServed();
  });

  it('fails a task whose worker exits with Runtime.ExitError, then serves the next one', async () => {
    const result = await pool.invoke(MAP, await mapEvent('faults.ts', 'a\nexit\nb\n'));
    expectFunctionError(result, 'Runtime.ExitError');
    await expectServed();
  });

  it('fails a task whose worker runs out of memory with Runtime.OutOfMemory; the pool goes on', async () => {
    const small = new WorkerPoolInvoker({
      threads: 1,
      memoryMb: 48,
      env: {
        [LOCAL_BUCKETS_ENV]: JSON.stringify({ [BUCKET]: join(dir, 'work') }),
        STEPMR_TMP_DIR: join(dir, 'tmp'),
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    });
    try {
      const result = await small.invoke(MAP, await mapEvent('faults.ts', 'a\nhog\n'));
      expect(expectFunctionError(result, 'Runtime.OutOfMemory')).toMatch(/ran out of memory \(48 MB\)/);
      const next = await small.invoke(MAP, await mapEvent('faults.ts', 'a\nb\n'));
      expect((next.payload as MapTaskResult).recordsOut).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('reports an error marked retryable as Stepmr.TransientError', async () => {
    const result = await pool.invoke(MAP, await mapEvent('faults.ts', 'a\nflaky\n'));
    const message = expectFunctionError(result, 'Stepmr.TransientError');
    expect(message).toContain('the scratch disk was busy');
  });

  it('keeps the name of an error that is not retryable', async () => {
    const sales = await mapEvent('sales.ts', '{"region":"eu","amount":3}\n{"region":"us",\n');
    const badRecord = expectFunctionError(await pool.invoke(MAP, sales), 'BadRecordError');
    expect(badRecord).toContain(sales.Items[0]?.uri);
    expect(badRecord).toMatch(/line 2/);

    const throws = await mapEvent('throws.ts', 'fine\nboom\n');
    const userCode = expectFunctionError(await pool.invoke(MAP, throws), 'UserCodeError');
    expect(userCode).toContain('line 2');
    expect(userCode).toContain('cannot handle boom');
  });

  it('rejects when the signal aborts a running task, then serves the next one', async () => {
    const event = await mapEvent('faults.ts', 'spin\n');
    const controller = new AbortController();
    const invocation = pool.invoke(MAP, event, { signal: controller.signal, timeoutSeconds: 45 });
    setTimeout(() => controller.abort(), 300);
    await expect(invocation).rejects.toThrow();
    await expectServed();
  });

  it("counts a task's timeout from when a worker takes it, not while it waits for a free one", async () => {
    // One worker, held by a task; the next task waits in the pool's queue (as a Lambda
    // invocation is throttled) for longer than its init limit and timeout together.
    const single = new WorkerPoolInvoker({
      threads: 1,
      initLimitSeconds: 1,
      env: {
        [LOCAL_BUCKETS_ENV]: JSON.stringify({ [BUCKET]: join(dir, 'work') }),
        STEPMR_TMP_DIR: join(dir, 'tmp'),
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    });
    try {
      const gate = join(dir, 'gate-open');
      const holding = single.invoke(MAP, await mapEvent('gate.ts', `wait-for ${gate}\n`), {
        timeoutSeconds: 60,
      });
      const queued = single.invoke(MAP, await mapEvent('gate.ts', 'a\nb\n'), { timeoutSeconds: 1 });
      const verdict = queued.then((r) => r.functionError?.errorType ?? 'ran');
      const waited = await Promise.race([verdict, delay(3000, 'still queued')]);
      writeFileSync(gate, '');
      expect((await holding).functionError).toBeUndefined();
      expect(waited).toBe('still queued');
      const result = await queued;
      expect(result.functionError).toBeUndefined();
      expect((result.payload as MapTaskResult).recordsIn).toBe(2);
    } finally {
      await single.close();
    }
  });

  it('rejects when the signal was aborted before the call, without running the task', async () => {
    const event = await mapEvent('faults.ts', 'x\ny\n');
    await expect(pool.invoke(MAP, event, { signal: AbortSignal.abort() })).rejects.toThrow();
    // The task did not run: it wrote no shuffle object.
    expect(await work.head(workKeys.shuffle(event.BatchInput, 0))).toBeUndefined();
  });
});
