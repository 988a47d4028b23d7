import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputProblems, serviceModel } from '../../support/botocoreModel.js';
import { expectValidAsl, fn, functionError } from '../support/fakes.js';
import {
  type Api,
  blocker,
  jobDefinition,
  machineArn,
  rawCall,
  startApi,
  untilDone,
  waitFor,
} from './support.js';

/**
 * RedriveExecution, the redrive filter of ListExecutions and DescribeStateMachineForExecution,
 * with the real SFN client; the raw answers checked against botocore's model of the API.
 */

const model = serviceModel('stepfunctions', '2016-11-23');
const DAY = 24 * 60 * 60 * 1000;
const block = blocker();
let api: Api;
/** Whether functions `flaky` and (for items marked `fail`) `square` fail. */
let broken = true;
/** Added to the engine's clock, to age executions. */
let skew = 0;

const PIPELINE = {
  StartAt: 'First',
  States: {
    First: { Type: 'Task', Resource: fn('first'), Next: 'Second' },
    Second: { Type: 'Task', Resource: fn('flaky'), End: true },
  },
};
const PARALLEL = {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'F', States: { F: { Type: 'Task', Resource: fn('flaky'), End: true } } }],
      End: true,
    },
  },
};

beforeAll(async () => {
  let tick = 0;
  api = await startApi(
    {
      first: (p: { n: number }) => ({ n: p.n + 1 }),
      flaky: (p: unknown) => {
        if (broken) throw functionError('Broken', 'asked to break');
        return { ok: p };
      },
      block: block.handler,
      square: (p: { Items: { n: number; fail?: boolean }[] }) => {
        if (broken && p.Items.some((i) => i.fail))
          throw functionError('Item.Failed', 'an item asked to fail');
        return p.Items.reduce((sum, i) => sum + i.n * i.n, 0);
      },
      part: (p: number) => ({ part: p }),
      commit: (p: { map: unknown[]; reduce: unknown[] }) => ({
        sum: p.map.reduce((a: number, b) => a + (typeof b === 'number' ? b : 0), 0),
        parts: p.reduce.length,
      }),
    },
    {
      machines: { pipeline: PIPELINE, parallel: PARALLEL },
      engine: { deps: { now: () => Date.parse('2024-01-01T00:00:00.000Z') + ++tick + skew } },
    },
  );
});
afterAll(() => api.close());

const start = async (machine: string, input: unknown) => {
  const { executionArn } = await api.sfn.send(
    new StartExecutionCommand({ stateMachineArn: machineArn(machine), input: JSON.stringify(input) }),
  );
  return executionArn as string;
};
const redrive = (executionArn: string, clientToken?: string) =>
  api.sfn.send(new RedriveExecutionCommand({ executionArn, ...(clientToken ? { clientToken } : {}) }));
const history = async (executionArn: string) =>
  (await api.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
const types = (events: HistoryEvent[]) => events.map((e) => e.type);
const calls = (name: string) => api.invoker.calls.filter((c) => c.arn === fn(name)).length;

/** The raw answer of an operation, and where it breaks botocore's model of it. */
async function checked(operation: string, input: object): Promise<Record<string, unknown>> {
  const { status, body } = await rawCall(api.server.endpoint, operation, input);
  expect([operation, status]).toEqual([operation, 200]);
  expect(outputProblems(model, operation, body, true)).toEqual([]);
  return body;
}

describe('RedriveExecution', () => {
  it('runs a failed execution again from the state that failed, with that state’s input', async () => {
    broken = true;
    const arn = await start('pipeline', { n: 1 });
    expect(await untilDone(api.sfn, arn)).toMatchObject({ status: 'FAILED', error: 'Broken' });
    const failed = await checked('DescribeExecution', { executionArn: arn });
    expect(failed).toMatchObject({ redriveCount: 0, redriveStatus: 'REDRIVABLE' });
    const [firstCalls, flakyCalls] = [calls('first'), calls('flaky')];

    broken = false;
    const { redriveDate } = await redrive(arn);
    const done = await untilDone(api.sfn, arn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveDate });
    // Second got First's output, {n: 2}, as it did before; First did not run again.
    expect(JSON.parse(done.output as string)).toEqual({ ok: { n: 2 } });
    expect([calls('first'), calls('flaky')]).toEqual([firstCalls, flakyCalls + 1]);
    expect(done.error).toBeUndefined();

    const events = await history(arn);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const after = types(events).slice(types(events).indexOf('ExecutionRedriven'));
    expect(after).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(types(events)).toContain('ExecutionFailed');
    expect(events.find((e) => e.type === 'ExecutionRedriven')?.executionRedrivenEventDetails).toEqual({
      redriveCount: 1,
    });
    await checked('GetExecutionHistory', { executionArn: arn });
    expect(await checked('DescribeExecution', { executionArn: arn })).toMatchObject({
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
  });

  it('redrives a failed Distributed Map: only its unsuccessful children run again', async () => {
    broken = true;
    // Batches of two, one at a time; items 2, 4 and 6 fail: with batch 3 failed, 60% of items
    // have failed, over the 50% tolerated, so batch 4 never starts.
    const items = Array.from({ length: 10 }, (_, n) => ([2, 4, 6].includes(n) ? { n, fail: true } : { n }));
    api.data.objects.set('in/redrive.jsonl', Buffer.from(items.map((i) => JSON.stringify(i)).join('\n')));
    const before = api.invoker.calls.length;
    const arn = await start('job', { bucket: 'data', key: 'in/redrive.jsonl', partitions: [0, 1] });
    expect(await untilDone(api.sfn, arn)).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
    const squaresBefore = api.invoker.calls.slice(before).filter((c) => c.arn === fn('square')).length;
    const [mapRun] = (await api.sfn.send(new ListMapRunsCommand({ executionArn: arn }))).mapRuns ?? [];
    const mapRunArn = mapRun?.mapRunArn as string;
    expect((await api.sfn.send(new DescribeMapRunCommand({ mapRunArn }))).status).toBe('FAILED');

    broken = false;
    const since = api.invoker.calls.length;
    await redrive(arn);
    const done = await untilDone(api.sfn, arn);
    expect(done.status).toBe('SUCCEEDED');
    const expectedSum = items.reduce((sum, i) => sum + i.n * i.n, 0);
    expect(JSON.parse(done.output as string)).toEqual({ sum: expectedSum, parts: 2 });

    // The batch that had succeeded ([0, 1]) did not run again; the failed and unstarted ones did.
    const rerun = api.invoker.calls.slice(since).filter((c) => c.arn === fn('square'));
    const firsts = rerun.map((c) => (c.payload as { Items: { n: number }[] }).Items[0]?.n).sort();
    expect(firsts).toEqual([2, 4, 6, 8]);
    expect(squaresBefore).toBe(4);

    const { mapRuns = [] } = await api.sfn.send(new ListMapRunsCommand({ executionArn: arn }));
    expect(mapRuns.map((r) => r.mapRunArn)).toContain(mapRunArn);
    expect(mapRuns).toHaveLength(2); // the redriven Map Run, and Reduce's
    const run = await checked('DescribeMapRun', { mapRunArn });
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      itemCounts: { total: 10, succeeded: 10, failed: 0, pending: 0, running: 0 },
      executionCounts: { total: 5, succeeded: 5, failed: 0, pending: 0, running: 0 },
    });
    const children = await api.sfn.send(new ListExecutionsCommand({ mapRunArn }));
    expect(children.executions?.filter((e) => e.status === 'FAILED')).toHaveLength(3);
    expect(children.executions?.filter((e) => e.status === 'SUCCEEDED')).toHaveLength(5);

    const events = await history(arn);
    const after = types(events).slice(types(events).indexOf('ExecutionRedriven'));
    expect(after.slice(0, 5)).toEqual([
      'ExecutionRedriven',
      'MapStateEntered',
      'MapRunRedriven',
      'MapRunSucceeded',
      'MapStateExited',
    ]);
    expect(after.filter((t) => t === 'MapRunStarted')).toHaveLength(1); // Reduce's, now
    expect(events.find((e) => e.type === 'MapRunRedriven')?.mapRunRedrivenEventDetails).toEqual({
      mapRunArn,
      redriveCount: 1,
    });
    await checked('GetExecutionHistory', { executionArn: arn });
  });

  it('refuses a running, a succeeded, a too old, a child and a Parallel-failed execution', async () => {
    const notRedrivable = async (arn: string, reason: RegExp) => {
      const error = await redrive(arn).catch((e) => e);
      expect(error).toBeInstanceOf(ExecutionNotRedrivable);
      expect(error.message).toMatch(reason);
    };
    const running = await start('block', {});
    await waitFor(() => block.waiting === 1);
    await notRedrivable(running, /RUNNING and cannot be redriven/);
    block.release();
    await untilDone(api.sfn, running);
    await notRedrivable(running, /SUCCEEDED and cannot be redriven/);

    broken = true;
    const parallel = await start('parallel', {});
    await untilDone(api.sfn, parallel);
    await notRedrivable(parallel, /Parallel state 'Both'/);
    const described = await api.sfn.send(new DescribeExecutionCommand({ executionArn: parallel }));
    expect(described.redriveStatus).toBe('NOT_REDRIVABLE');

    const old = await start('pipeline', { n: 0 });
    await untilDone(api.sfn, old);
    skew += 15 * DAY;
    await notRedrivable(old, /redrivable period exceeded/);

    const job = await start('job', { bucket: 'data', key: 'in/redrive.jsonl', partitions: [] });
    await untilDone(api.sfn, job);
    const [mapRun] = (await api.sfn.send(new ListMapRunsCommand({ executionArn: job }))).mapRuns ?? [];
    const { executions = [] } = await api.sfn.send(
      new ListExecutionsCommand({ mapRunArn: mapRun?.mapRunArn }),
    );
    await notRedrivable(executions[0]?.executionArn as string, /child execution of a Distributed Map/);

    const missing = machineArn('pipeline').replace(':stateMachine:', ':execution:').concat(':nope');
    await expect(redrive(missing)).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('answers a repeated client token with the same redrive, without redriving again', async () => {
    broken = true;
    const arn = await start('pipeline', { n: 5 });
    await untilDone(api.sfn, arn);
    const flaky = calls('flaky');
    const first = await checked('RedriveExecution', { executionArn: arn, clientToken: 'token-1' });
    await untilDone(api.sfn, arn);
    const again = await checked('RedriveExecution', { executionArn: arn, clientToken: 'token-1' });
    expect(again).toEqual(first);
    expect(calls('flaky')).toBe(flaky + 1);
    expect((await api.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).redriveCount).toBe(1);
    await redrive(arn, 'token-2');
    expect((await untilDone(api.sfn, arn)).redriveCount).toBe(2);
  });
});

describe('ListExecutions with a redrive filter', () => {
  it('lists only the redriven executions, or only the others', async () => {
    const list = async (redriveFilter?: 'REDRIVEN' | 'NOT_REDRIVEN') =>
      (
        await api.sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: machineArn('pipeline'),
            ...(redriveFilter ? { redriveFilter } : {}),
          }),
        )
      ).executions ?? [];
    const all = await list();
    const redriven = await list('REDRIVEN');
    const others = await list('NOT_REDRIVEN');
    expect(redriven.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);
    expect(redriven.every((e) => (e.redriveCount ?? 0) > 0 && e.redriveDate instanceof Date)).toBe(true);
    expect(others.every((e) => e.redriveCount === 0)).toBe(true);
    expect([...redriven, ...others].map((e) => e.executionArn).sort()).toEqual(
      all.map((e) => e.executionArn).sort(),
    );
    await checked('ListExecutions', { stateMachineArn: machineArn('pipeline'), redriveFilter: 'REDRIVEN' });
    const bad = await rawCall(api.server.endpoint, 'ListExecutions', {
      stateMachineArn: machineArn('pipeline'),
      redriveFilter: 'SOMETIMES',
    });
    expect([bad.status, bad.body.__type]).toEqual([400, 'ValidationException']);
  });
});

describe('DescribeStateMachineForExecution', () => {
  it('describes the state machine of an execution, and the ItemProcessor of a Map Run’s child', async () => {
    broken = false;
    api.data.objects.set(
      'in/four.jsonl',
      Buffer.from([0, 1, 2, 3].map((n) => JSON.stringify({ n })).join('\n')),
    );
    const arn = await start('labelled', { bucket: 'data', key: 'in/four.jsonl', partitions: [] });
    await untilDone(api.sfn, arn);
    const top = await checked('DescribeStateMachineForExecution', { executionArn: arn });
    expect(top).toMatchObject({ stateMachineArn: machineArn('labelled'), name: 'labelled' });
    expect(JSON.parse(top.definition as string)).toEqual(jobDefinition('Shards'));

    const [mapRun] = (await api.sfn.send(new ListMapRunsCommand({ executionArn: arn }))).mapRuns ?? [];
    const { executions = [] } = await api.sfn.send(
      new ListExecutionsCommand({ mapRunArn: mapRun?.mapRunArn }),
    );
    const child = await checked('DescribeStateMachineForExecution', {
      executionArn: executions[0]?.executionArn,
    });
    expect(child).toMatchObject({
      stateMachineArn: `${machineArn('labelled')}/Shards`,
      name: 'labelled/Shards',
      label: 'Shards',
      mapRunArn: mapRun?.mapRunArn,
    });
    expect(JSON.parse(child.definition as string)).toEqual(jobDefinition('Shards').States.Map.ItemProcessor);
    const sdk = await api.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: arn }));
    expect(sdk.updateDate).toBeInstanceOf(Date);
  });
});

describe('the redrive test state machines', () => {
  it('are valid ASL', () => {
    for (const definition of [PIPELINE, PARALLEL]) expectValidAsl(definition);
  });
});
