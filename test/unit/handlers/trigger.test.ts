import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { createHandlers } from '../../../framework/handlers/createHandlers.js';
import { defineStream, jsonLines } from '../../../framework/index.js';
import { sfnOrchestrator } from '../../../framework/runtime/aws/sfnOrchestrator.js';
import { streamStep } from '../../../framework/runtime/aws/streamStep.js';
import { FileStore } from '../../../framework/store/FileStore.js';

/**
 * Attacks on the trigger function, replayed against the real handler of createHandlers and the
 * real claim over the stack's bucket (a local folder here). Whoever can put an event on a bus
 * with a matching rule, or invoke the function, controls its event: none of it may make the
 * function claim a batch of another bucket, of a stream not deployed, or for an object outside
 * the stream's source. A claim is visible as an offsets entry in the stream's checkpoint.
 */

const BUCKET = 'stack-data';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:stepmr-dev-jobs';
const context = { functionName: 'stepmr-dev-trigger', awsRequestId: 'req-1' } as Context;
const clicks = defineStream({
  name: 'clicks',
  source: { prefix: 'in/clicks/' },
  input: jsonLines<{ page: string }>(),
  map: (click, emit) => emit(click.page, 1),
});
let dir: string;
let handlers: ReturnType<typeof createHandlers>;

beforeEach(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('STEPMR_STATE_MACHINE_ARN', MACHINE);
  dir = mkdtempSync(join(tmpdir(), 'stepmr-trigger-'));
  const bucket = new FileStore(join(dir, 'bucket'));
  await bucket.put('in/clicks/a.jsonl', '{"page":"/"}\n');
  await bucket.put('in/other/b.jsonl', '{"page":"/x"}\n');
  // No Step Functions here: a claim that got through shows in the checkpoint, then its start fails.
  const sfn = new SFNClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const { createHandlers } = await import('../../../framework/handlers/createHandlers.js');
  handlers = createHandlers(
    { jobs: {}, streams: { clicks } },
    {
      bucket: BUCKET,
      bucketStore: () => bucket,
      tmpDir: dir,
      advanceStream: (request) =>
        streamStep(request, {
          store: (prefix) => new FileStore(join(dir, 'bucket', prefix)),
          backend: { orchestrator: sfnOrchestrator(sfn), stateMachineArn: MACHINE },
        }),
    },
  );
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const time = '2026-12-02T10:00:00Z';
const created = (bucket: string, key: string) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  time,
  detail: { bucket: { name: bucket }, object: { key, size: 12 } },
});
const ended = (stateMachineArn: string, name: string, status = 'SUCCEEDED') => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  time,
  detail: {
    executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
    stateMachineArn,
    name,
    status,
  },
});
const tick = { source: 'aws.events', 'detail-type': 'Scheduled Event', time, detail: {} };

/** The stream's offsets entries: one per claimed batch. */
const claims = () => readdir(join(dir, 'bucket', 'streams', 'clicks', 'offsets')).catch(() => []);

describe('the trigger function refuses what its stack does not allow', () => {
  it('claims a batch for a legitimate Object Created event (the control of the attacks below)', async () => {
    await expect(
      handlers.trigger({ stream: 'clicks', event: created(BUCKET, 'in/clicks/a.jsonl') }, context),
    ).rejects.toThrow();
    expect(await claims()).toHaveLength(1);
  });

  it('an Object Created event of another bucket', async () => {
    await expect(
      handlers.trigger({ stream: 'clicks', event: created('attacker-bucket', 'in/clicks/a.jsonl') }, context),
    ).rejects.toMatchObject({ name: 'ForbiddenTaskInputError', message: /attacker-bucket.*refused/ });
    expect(await claims()).toEqual([]);
  });

  it('a stream that is not deployed, or no stream at all', async () => {
    for (const event of [
      { stream: 'payroll', event: tick },
      { stream: 'constructor', event: tick },
      { event: tick },
    ]) {
      await expect(handlers.trigger(event, context)).rejects.toMatchObject({
        name: 'ForbiddenTaskInputError',
      });
    }
    await expect(handlers.trigger({ stream: '__proto__', event: tick }, context)).rejects.toMatchObject({
      name: 'TaskInputError',
    });
    expect(await claims()).toEqual([]);
  });

  it('ignores an object outside the stream’s source prefix, or climbing out of it', async () => {
    for (const key of [
      'in/other/b.jsonl',
      'in/clicks-old/a.jsonl',
      'in/clicks/../other/b.jsonl',
      'out/clicks/x',
    ]) {
      const answer = await handlers.trigger({ stream: 'clicks', event: created(BUCKET, key) }, context);
      expect(answer, key).toMatchObject({ outcome: 'ignored' });
    }
    expect(await claims()).toEqual([]);
  });

  it('an execution change of another state machine, of a job that is not a batch, or of another stream’s batch', async () => {
    const foreign = MACHINE.replace('123456789012', '210987654321');
    for (const event of [
      { event: ended(foreign, 'clicks-b0') },
      { event: ended(MACHINE, 'wordcount-20261201T030000') },
      { stream: 'clicks', event: ended(MACHINE, 'views-b0') },
      { event: ended(MACHINE, 'payroll-b0') },
    ]) {
      await expect(handlers.trigger(event, context), JSON.stringify(event)).rejects.toMatchObject({
        name: 'ForbiddenTaskInputError',
      });
    }
    // A batch still running asks for nothing.
    expect(await handlers.trigger({ event: ended(MACHINE, 'clicks-b0', 'RUNNING') }, context)).toMatchObject({
      outcome: 'ignored',
    });
    expect(await claims()).toEqual([]);
  });

  it('an event that is not one EventBridge sends to it', async () => {
    for (const event of [
      {},
      { stream: 'clicks' },
      { stream: 'clicks', event: { ...tick, source: 'aws.s3' } },
      {
        stream: 'clicks',
        event: { ...created(BUCKET, 'in/clicks/a.jsonl'), detail: { bucket: { name: BUCKET } } },
      },
      { stream: 'clicks/../x', event: tick },
    ]) {
      await expect(handlers.trigger(event, context), JSON.stringify(event)).rejects.toMatchObject({
        name: 'TaskInputError',
      });
    }
    expect(await claims()).toEqual([]);
  });
});
