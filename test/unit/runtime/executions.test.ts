import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionNotFoundError } from '../../../framework/runtime/aws/errors.js';
import { sfnOrchestrator } from '../../../framework/runtime/aws/sfnOrchestrator.js';
import { engineOrchestrator } from '../../../framework/runtime/embedded/engineOrchestrator.js';
import {
  type ExecutionReport,
  getExecutionStatus,
  listJobExecutions,
  stageName,
  stopJobExecution,
} from '../../../framework/runtime/executions.js';
import type { Orchestrator } from '../../../framework/runtime/orchestrator.js';
import { stageTimes, watchExecution } from '../../../framework/runtime/watchExecution.js';
import { type Api, blocker, machineArn, startApi, untilDone, waitFor } from '../engine/http/support.js';
import { functionError, type Handler } from '../engine/support/fakes.js';

/**
 * The status, list, stop and watch code is written once over the orchestrator port; every case
 * runs over both adapters: Step Functions through the SDK (here against the engine's HTTP face),
 * and the engine's own operations called in process.
 */
const ADAPTERS: [string, (api: Api) => Orchestrator][] = [
  ['Step Functions (SDK)', (api) => sfnOrchestrator(api.sfn)],
  ['the engine in process', (api) => engineOrchestrator(api.engine, api.stateMachines)],
];

type Item = { n: number; fail?: boolean };

/** The fake functions of the test job: squares summed per batch, partitions echoed, a commit summary. */
function jobFunctions(square: Handler = squareBatch): Record<string, Handler> {
  return {
    square,
    part: (p: number) => p,
    commit: (p: { map: unknown[]; reduce: unknown[] }) => ({
      output: 'memory://data/out/',
      records: p.map.reduce((a: number, b) => a + (typeof b === 'number' ? b : 0), 0),
      parts: p.reduce.length,
      bytes: 1024,
    }),
  };
}

function squareBatch(p: { Items: Item[] }) {
  if (p.Items.some((i) => i.fail)) throw functionError('Item.Failed', 'an item asked to fail');
  return p.Items.reduce((sum, i) => sum + i.n * i.n, 0);
}

/** Expected Map stage counts: batches of two; a batch with a failing item fails whole. */
function expectedMap(items: Item[]) {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += 2) batches.push(items.slice(i, i + 2));
  const failed = batches.filter((b) => b.some((i) => i.fail)).flat();
  const ok = batches.filter((b) => !b.some((i) => i.fail)).flat();
  return { failed: failed.length, succeeded: ok.length, sum: ok.reduce((s, i) => s + i.n * i.n, 0) };
}

async function startJob(
  api: Api,
  machine: string,
  key: string,
  items: Item[],
  partitions: number[],
  name?: string,
) {
  api.data.objects.set(key, Buffer.from(items.map((i) => JSON.stringify(i)).join('\n')));
  const { executionArn } = await api.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn(machine),
      input: JSON.stringify({ bucket: 'data', key, partitions }),
      ...(name ? { name } : {}),
    }),
  );
  return executionArn as string;
}

const stage = (name: string, counts: Partial<ExecutionReport['stages'][number]>) => ({
  name,
  failed: 0,
  aborted: 0,
  running: 0,
  pending: 0,
  ...counts,
});

describe.each(ADAPTERS)('getExecutionStatus over %s', (_adapter, adapter) => {
  let api: Api;
  let orchestrator: Orchestrator;
  const block = blocker();
  beforeAll(async () => {
    api = await startApi({ ...jobFunctions(), block: block.handler });
    orchestrator = adapter(api);
  });
  afterAll(() => api.close());

  it('reports each stage’s item counts and the parsed output of a finished job', async () => {
    const items: Item[] = [{ n: 0 }, { n: 1, fail: true }, { n: 2 }, { n: 3 }, { n: 4 }];
    const partitions = [0, 1, 2];
    const arn = await startJob(api, 'job', 'in/five.jsonl', items, partitions, 'five');
    await untilDone(api.sfn, arn);
    const report = await getExecutionStatus(orchestrator, arn);
    const map = expectedMap(items);
    expect(report).toMatchObject({
      executionArn: arn,
      name: 'five',
      stateMachineArn: machineArn('job'),
      status: 'SUCCEEDED',
      output: { output: 'memory://data/out/', records: map.sum, parts: partitions.length, bytes: 1024 },
      error: undefined,
      taskFailure: undefined,
    });
    expect(report.stages).toMatchObject([
      stage('Map', {
        status: 'SUCCEEDED',
        total: items.length,
        succeeded: map.succeeded,
        failed: map.failed,
      }),
      stage('Reduce', { status: 'SUCCEEDED', total: partitions.length, succeeded: partitions.length }),
    ]);
    expect(report.stopDate).toBeInstanceOf(Date);
  });

  it('names a stage by its Map state’s Label when it has one', async () => {
    const arn = await startJob(api, 'labelled', 'in/one.jsonl', [{ n: 1 }], [0]);
    await untilDone(api.sfn, arn);
    const report = await getExecutionStatus(orchestrator, arn);
    expect(report.stages.map((s) => s.name)).toEqual(['Shards', 'Reduce']);
  });

  it('reports the first failed task’s error when a stage fails past its tolerance', async () => {
    const items: Item[] = [{ n: 0, fail: true }, { n: 1 }, { n: 2 }];
    const arn = await startJob(api, 'job', 'in/bad.jsonl', items, [0]);
    await untilDone(api.sfn, arn);
    const report = await getExecutionStatus(orchestrator, arn);
    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(report.output).toBeUndefined();
    expect(report.taskFailure?.error).toBe('Item.Failed');
    expect(JSON.parse(report.taskFailure?.cause ?? '{}')).toMatchObject({
      errorMessage: 'an item asked to fail',
    });
    // One task at a time: the first batch (two items) fails, past 50%, so no other batch starts.
    const first = items.slice(0, 2).length;
    expect(report.stages).toMatchObject([
      stage('Map', {
        status: 'FAILED',
        total: items.length,
        failed: first,
        succeeded: 0,
        pending: items.length - first,
      }),
    ]);
  });

  it('says which execution does not exist', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:job:missing';
    const error = await getExecutionStatus(orchestrator, arn).catch((e) => e);
    expect(error).toBeInstanceOf(ExecutionNotFoundError);
    expect(error.message).toContain(arn);
    expect(error.message).toContain('stepmr list');
  });

  it('lists executions newest first, up to a limit, by status', async () => {
    const names = ['l-0', 'l-1', 'l-2', 'l-3'];
    for (const name of names)
      await untilDone(api.sfn, await startJob(api, 'job', 'in/one.jsonl', [{ n: 1 }], [], name));
    const latest = await listJobExecutions(orchestrator, machineArn('job'), { limit: 3 });
    expect(latest.map((e) => e.name)).toEqual(['l-3', 'l-2', 'l-1']);
    const failed = await listJobExecutions(orchestrator, machineArn('job'), { status: 'FAILED', limit: 100 });
    const all = await listJobExecutions(orchestrator, machineArn('job'), { limit: 100 });
    expect(failed.map((e) => e.name)).toEqual(all.filter((e) => e.status === 'FAILED').map((e) => e.name));
    expect(failed.length).toBe(1);
  });

  it('stops a running execution once; a second stop finds it ended', async () => {
    const { executionArn } = await api.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn('block') }),
    );
    await waitFor(() => block.waiting === 1);
    const first = await stopJobExecution(orchestrator, executionArn as string, { cause: 'no longer needed' });
    expect(first).toMatchObject({ stopped: true, status: 'ABORTED' });
    expect(first.stopDate).toBeInstanceOf(Date);
    const described = await untilDone(api.sfn, executionArn as string);
    expect(described).toMatchObject({
      status: 'ABORTED',
      error: 'Stepmr.Cancelled',
      cause: 'no longer needed',
    });
    const second = await stopJobExecution(orchestrator, executionArn as string);
    expect(second).toEqual({ stopped: false, status: 'ABORTED', stopDate: described.stopDate });
    block.release();
  });
});

describe.each(ADAPTERS)('watchExecution over %s', (_adapter, adapter) => {
  it('reports progress at every poll until the job ends, then its output', async () => {
    // Map tasks wait at a gate each, so every poll sees a known state.
    const gates: (() => void)[] = [];
    const api = await startApi(
      jobFunctions(
        (p: { Items: Item[] }) => new Promise((resolve) => gates.push(() => resolve(squareBatch(p)))),
      ),
    );
    const items: Item[] = [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }];
    const arn = await startJob(api, 'job', 'in/four.jsonl', items, [0]);
    await waitFor(() => gates.length === 1);
    const seen: ExecutionReport[] = [];
    let opened = 0;
    const final = await watchExecution(adapter(api), arn, {
      intervalMs: 5,
      onProgress: (report) => seen.push(report),
      sleep: async (ms) => {
        expect(ms).toBe(5);
        gates[opened++]?.();
        if (opened < 2) await waitFor(() => gates.length === 2);
        else await waitFor(() => api.engine.describeExecution(arn).status !== 'RUNNING');
      },
    });
    await api.close();
    const progress = seen.map((r) => [
      r.status,
      ...r.stages.map((s) => `${s.name} ${s.succeeded}/${s.total} r${s.running} p${s.pending}`),
    ]);
    expect(progress).toEqual([
      ['RUNNING', 'Map 0/4 r2 p2'],
      ['RUNNING', 'Map 2/4 r2 p0'],
      ['SUCCEEDED', 'Map 4/4 r0 p0', 'Reduce 1/1 r0 p0'],
    ]);
    expect(final).toBe(seen.at(-1));
    const sum = items.reduce((s, i) => s + i.n * i.n, 0);
    expect(final.output).toEqual({ output: 'memory://data/out/', records: sum, parts: 1, bytes: 1024 });
  });

  it('stops watching when its signal aborts', async () => {
    const api = await startApi({ block: blocker().handler });
    const { executionArn } = await api.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn('block') }),
    );
    const controller = new AbortController();
    const watching = watchExecution(adapter(api), executionArn as string, {
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    await expect(watching).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.engine.describeExecution(executionArn as string).status).toBe('RUNNING');
    await api.engine.stopExecution(executionArn as string);
    await api.close();
  });
});

describe('stageTimes', () => {
  it('gives each stage’s time from the history, the same over both adapters as by the engine’s events', async () => {
    const api = await startApi(jobFunctions());
    const entered = new Map<string, number>();
    const byEvents: Record<string, number> = {};
    api.engine.on((event) => {
      if (event.type === 'StateEntered') entered.set(event.name, event.timestamp);
      if (event.type === 'StateExited')
        byEvents[event.name] = event.timestamp - (entered.get(event.name) ?? 0);
    });
    const [sdk, inProcess] = ADAPTERS.map(([, adapter]) => adapter(api));
    const arn = await startJob(api, 'job', 'in/two.jsonl', [{ n: 1 }, { n: 2 }], [0]);
    await untilDone(api.sfn, arn);
    const times = await stageTimes(sdk as Orchestrator, arn);
    expect(times).toEqual({ Map: byEvents.Map, Reduce: byEvents.Reduce, Commit: byEvents.Commit });
    expect(await stageTimes(inProcess as Orchestrator, arn)).toEqual(times);
    await api.close();
  });
});

describe('the in-process adapter', () => {
  it('ends a pause between polls as soon as the execution ends', async () => {
    const block = blocker();
    const api = await startApi({ block: block.handler });
    const orchestrator = engineOrchestrator(api.engine, api.stateMachines);
    const { executionArn } = await orchestrator.startExecution({
      stateMachineArn: machineArn('block'),
      name: 'paused',
      input: '{}',
    });
    await waitFor(() => block.waiting === 1);
    const began = Date.now();
    const pause = orchestrator.pause(60_000, executionArn as string);
    block.release();
    await pause;
    expect(Date.now() - began).toBeLessThan(10_000);
    expect((await orchestrator.describeExecution({ executionArn: executionArn as string })).status).toBe(
      'SUCCEEDED',
    );
    await api.close();
  });
});

describe('stageName', () => {
  it('uses a Map Run’s label, or the job’s stage at its position when the label was generated', () => {
    const arn = (label: string) => `arn:aws:states:us-east-1:123456789012:mapRun:job/${label}:5e1c`;
    expect(stageName(arn('Shards'), 0)).toBe('Shards');
    expect(stageName(arn('0b6f9d2e-3c1a-4f5e-9a8b-7c6d5e4f3a2b'), 0)).toBe('Map');
    expect(stageName(arn('0b6f9d2e-3c1a-4f5e-9a8b-7c6d5e4f3a2b'), 1)).toBe('Reduce');
    expect(stageName(arn('0b6f9d2e-3c1a-4f5e-9a8b-7c6d5e4f3a2b'), 2)).toBe('Map run 3');
  });
});
