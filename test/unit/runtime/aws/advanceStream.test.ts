import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AdvanceOutcome,
  advanceStream,
  MAX_BATCH_RUNS,
  type StreamAdvancePort,
} from '../../../../framework/runtime/aws/advanceStream.js';
import { sfnOrchestrator } from '../../../../framework/runtime/aws/sfnOrchestrator.js';
import { FileStore } from '../../../../framework/store/FileStore.js';
import { claimNextBatch } from '../../../../framework/stream/claim.js';
import { batchJobId } from '../../../../framework/stream/publish.js';
import { type Api, blocker, machineArn, startApi } from '../../engine/http/support.js';
import { fn } from '../../engine/support/fakes.js';

/**
 * One step of a deployed stream over the real claim (a checkpoint in a folder) and a real
 * Step Functions API (the engine behind it, reached with the SDK): a batch is started once
 * under its name however many triggers come, a failed batch runs again under the next name, and
 * a batch that keeps failing stops the stream until a manual trigger.
 */

/** A batch execution: it waits for the test to let it go, then fails if its input asks. */
const BATCH = {
  StartAt: 'Run',
  States: {
    Run: { Type: 'Task', Resource: fn('block'), ResultPath: null, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Boom' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
    Boom: { Type: 'Fail', Error: 'Batch.Failed', Cause: 'asked to fail' },
  },
};

let dir: string;
let api: Api;
let block: ReturnType<typeof blocker>;
let port: StreamAdvancePort;
let orchestrator: ReturnType<typeof sfnOrchestrator>;
/** Whether the next runs fail; the batches whose output counts as published. */
let failing = false;
const published = new Set<number>();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepmr-advance-'));
  block = blocker();
  api = await startApi({ block: block.handler }, { machines: { batch: BATCH } });
  failing = false;
  published.clear();
  orchestrator = sfnOrchestrator(api.sfn);
  const stateMachineArn = machineArn('batch');
  port = {
    claim: () =>
      claimNextBatch({
        stream: 'clicks',
        checkpoint: new FileStore(join(dir, 'checkpoint')),
        source: { store: new FileStore(join(dir, 'inbox')), prefix: '' },
        caps: { maxFiles: 2, maxBytes: 1 << 20 },
        published: async (entry) =>
          published.has(entry.batch) ? { records: { in: 1, out: 1 }, bytes: { in: 1, out: 1 } } : undefined,
      }),
    executionName: (batch, rerun) => batchJobId('clicks', batch, rerun),
    start: async (claimed, name) => {
      const started = await orchestrator.startExecution({
        stateMachineArn,
        name,
        input: JSON.stringify({ batch: claimed.batch, fail: failing }),
      });
      return started.executionArn ?? '';
    },
    orchestrator,
    stateMachineArn,
  };
  await mkdir(join(dir, 'inbox'), { recursive: true });
  for (const name of ['a', 'b', 'c']) await writeFile(join(dir, 'inbox', name), name);
});

afterEach(async () => {
  block.release();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

/** The names of the executions started, sorted. */
async function executions(): Promise<string[]> {
  const { executions = [] } = await orchestrator.listExecutions({ stateMachineArn: port.stateMachineArn });
  return executions.map((e) => e.name ?? '').sort();
}

/** Lets the running batch end, and waits until the engine says it has. */
async function finish(): Promise<void> {
  while (block.waiting === 0) await new Promise((r) => setTimeout(r, 5));
  block.release();
  const arn = `${port.stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  for (;;) {
    const running = (await executions()).length;
    const states = await Promise.all(
      (await executions()).map(
        async (name) => (await port.orchestrator.describeExecution({ executionArn: arn + name })).status,
      ),
    );
    if (running > 0 && !states.includes('RUNNING')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a stream step on the deployed stack', () => {
  it('starts a batch once, whatever number of triggers come at once', async () => {
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => advanceStream(port)));
    const started = outcomes.filter((o) => o.outcome === 'started');
    expect(started).toHaveLength(1);
    // The others lost the claim (idle: another trigger has it) or found its execution.
    expect(outcomes.filter((o) => !['started', 'running', 'idle'].includes(o.outcome))).toEqual([]);
    expect(await executions()).toEqual(['clicks-b0']);
    // While it runs, a later trigger starts nothing either.
    expect(await advanceStream(port)).toMatchObject({ outcome: 'running', batch: 0, execution: 'clicks-b0' });
  });

  it('starts the next batch once the last is published, and nothing when nothing is new', async () => {
    expect(await advanceStream(port)).toMatchObject({ outcome: 'started', batch: 0 });
    await finish();
    published.add(0);
    expect(await advanceStream(port)).toMatchObject({ outcome: 'started', batch: 1, execution: 'clicks-b1' });
    await finish();
    published.add(1);
    expect(await advanceStream(port)).toEqual({ outcome: 'idle' });
    expect(await executions()).toEqual(['clicks-b0', 'clicks-b1']);
  });

  it('runs a failed batch again under the next name, then stops after the last automatic run', async () => {
    failing = true;
    const seen: AdvanceOutcome[] = [];
    for (let run = 0; run < MAX_BATCH_RUNS; run++) {
      seen.push(await advanceStream(port));
      await finish();
    }
    expect(seen.map((o) => (o.outcome === 'started' ? o.execution : o.outcome))).toEqual(
      Array.from({ length: MAX_BATCH_RUNS }, (_, rerun) => batchJobId('clicks', 0, rerun)),
    );
    await expect(advanceStream(port)).rejects.toMatchObject({ name: 'BatchRunsExhaustedError' });
    // After a fix, a manual trigger runs it again.
    failing = false;
    expect(await advanceStream(port, 100)).toMatchObject({
      outcome: 'started',
      batch: 0,
      execution: batchJobId('clicks', 0, MAX_BATCH_RUNS),
    });
  });
});
