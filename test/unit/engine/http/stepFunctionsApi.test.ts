import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidToken,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  paginateListExecutions,
  ResourceNotFound,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidAsl, fn, functionError } from '../support/fakes.js';
import {
  type Api,
  BLOCK,
  blocker,
  DOUBLE,
  jobDefinition,
  machineArn,
  startApi,
  untilDone,
  waitFor,
} from './support.js';

const block = blocker();
let api: Api;

/** Items 0..n-1 as JSON Lines in bucket `data`; item `failAt` makes its task fail. */
function putItems(key: string, n: number, failAt?: number): { n: number; fail?: boolean }[] {
  const items = Array.from({ length: n }, (_, i) => (i === failAt ? { n: i, fail: true } : { n: i }));
  api.data.objects.set(key, Buffer.from(items.map((i) => JSON.stringify(i)).join('\n')));
  return items;
}

beforeAll(async () => {
  api = await startApi({
    double: (p: { n: number }) => {
      if (p.n < 0) throw functionError('Negative', 'n must not be negative');
      return { n: p.n * 2 };
    },
    block: block.handler,
    square: (p: { Items: { n: number; fail?: boolean }[] }) => {
      if (p.Items.some((i) => i.fail)) throw functionError('Item.Failed', 'an item asked to fail');
      return p.Items.reduce((sum, i) => sum + i.n * i.n, 0);
    },
    part: (p: number) => ({ part: p }),
    // A failed (tolerated) task leaves its error in the Map's results: only numbers are sums.
    commit: (p: { map: unknown[]; reduce: unknown[] }) => ({
      sum: p.map.reduce((a: number, b) => a + (typeof b === 'number' ? b : 0), 0),
      parts: p.reduce.length,
    }),
  });
});
afterAll(() => api.close());

const start = (machine: string, input: unknown, name?: string) =>
  api.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn(machine),
      input: JSON.stringify(input),
      ...(name ? { name } : {}),
    }),
  );

describe('Step Functions API: executions', () => {
  it('starts an execution of a registered state machine and describes it until SUCCEEDED', async () => {
    const started = await start('double', { n: 21 }, 'double-21');
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:double:double-21');
    expect(started.startDate).toBeInstanceOf(Date);
    const done = await untilDone(api.sfn, started.executionArn as string);
    expect(done).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn: machineArn('double'),
      name: 'double-21',
      status: 'SUCCEEDED',
      input: '{"n":21}',
      output: JSON.stringify({ n: 42 }),
      startDate: started.startDate,
    });
    expect((done.stopDate as Date).getTime()).toBeGreaterThanOrEqual((started.startDate as Date).getTime());
  });

  it('reports a failed execution with its error and cause, and no output', async () => {
    const { executionArn } = await start('double', { n: 1, fail: true });
    const done = await untilDone(api.sfn, executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Bad.Input', cause: 'asked to fail' });
    expect(done.output).toBeUndefined();
  });

  it('stops a running execution: it ends ABORTED with the given error and cause', async () => {
    const { executionArn } = await start('block', { wait: true }, 'to-stop');
    await waitFor(() => block.waiting === 1);
    const { stopDate } = await api.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'E.Stop', cause: 'by test' }),
    );
    expect(stopDate).toBeInstanceOf(Date);
    const done = await untilDone(api.sfn, executionArn as string);
    expect(done).toMatchObject({ status: 'ABORTED', error: 'E.Stop', cause: 'by test', stopDate });
    block.release();
  });

  it('makes StartExecution idempotent for the same name and input of a running execution', async () => {
    const input = { job: 'same' };
    const first = await start('block', input, 'dup');
    await waitFor(() => block.waiting === 1);
    const again = await start('block', input, 'dup');
    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
    await expect(start('block', { job: 'other' }, 'dup')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    block.release();
    await untilDone(api.sfn, first.executionArn as string);
    await expect(start('block', input, 'dup')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('refuses input that is not JSON, or over 256 KiB, before starting anything', async () => {
    const before = api.engine.listExecutions().executions.length;
    const send = (input: string) =>
      api.sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('double'), input }));
    await expect(send('{"n":')).rejects.toBeInstanceOf(InvalidExecutionInput);
    const big = JSON.stringify({ pad: 'x'.repeat(256 * 1024) });
    await expect(send(big)).rejects.toBeInstanceOf(ValidationException);
    const name = 'n'.repeat(81);
    await expect(
      api.sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('double'), name })),
    ).rejects.toBeInstanceOf(ValidationException);
    expect(api.engine.listExecutions().executions.length).toBe(before);
  });

  it('answers unknown and malformed ARNs with the typed exceptions of the SDK', async () => {
    const missing = 'arn:aws:states:us-east-1:123456789012:execution:double:nope';
    const error = await api.sfn.send(new DescribeExecutionCommand({ executionArn: missing })).catch((e) => e);
    expect(error).toBeInstanceOf(ExecutionDoesNotExist);
    expect(error.message).toBe(`Execution Does Not Exist: '${missing}'`);
    expect(error.$metadata.httpStatusCode).toBe(400);
    await expect(api.sfn.send(new DescribeExecutionCommand({ executionArn: 'nope' }))).rejects.toBeInstanceOf(
      InvalidArn,
    );
    await expect(start('unknown', {})).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(api.sfn.send(new StopExecutionCommand({ executionArn: missing }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(
      api.sfn.send(
        new DescribeMapRunCommand({ mapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:job/x:y' }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFound);
    await expect(api.sfn.send(new ListMapRunsCommand({ executionArn: missing }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
  });

  it('answers an operation it does not serve with UnknownOperationException', async () => {
    const command = new CreateStateMachineCommand({
      name: 'x',
      definition: '{}',
      roleArn: 'arn:aws:iam::1:role/r',
    });
    const error = await api.sfn.send(command).catch((e) => e);
    expect(error.name).toBe('UnknownOperationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const raw = await fetch(api.server.endpoint, {
      method: 'POST',
      headers: {
        'X-Amz-Target': 'AWSStepFunctions.SendTaskSuccess',
        'Content-Type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Operation SendTaskSuccess is not served by this endpoint.',
    });
  });
});

describe('Step Functions API: listing', () => {
  it('lists a state machine’s executions newest first, in pages, filtered by status', async () => {
    const inputs = [{ n: 1 }, { n: 2, fail: true }, { n: 3 }, { n: 4, fail: true }, { n: 5 }];
    const names = inputs.map((_, i) => `list-${i}`);
    for (const [i, input] of inputs.entries()) {
      const { executionArn } = await start('double', input, names[i]);
      await untilDone(api.sfn, executionArn as string);
    }
    const ours = (list: { name?: string | undefined }[]) =>
      list.map((e) => e.name).filter((n) => n?.startsWith('list-'));
    const pages: (string | undefined)[][] = [];
    const paginator = paginateListExecutions(
      { client: api.sfn, pageSize: 2 },
      { stateMachineArn: machineArn('double') },
    );
    for await (const page of paginator) {
      expect(page.executions?.length).toBeLessThanOrEqual(2);
      pages.push(ours(page.executions ?? []));
    }
    expect(pages.flat()).toEqual([...names].reverse());
    const failed = await api.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn('double'), statusFilter: 'FAILED' }),
    );
    const expectedFailed = names.filter((_, i) => inputs[i]?.fail).reverse();
    expect(ours(failed.executions ?? [])).toEqual(expectedFailed);
    expect(failed.executions?.every((e) => e.status === 'FAILED' && e.stopDate instanceof Date)).toBe(true);
  });

  it('refuses a nextToken it did not give, and a list without a state machine or Map Run', async () => {
    await expect(
      api.sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('double'), nextToken: 'bogus' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(api.sfn.send(new ListExecutionsCommand({}))).rejects.toBeInstanceOf(ValidationException);
    await expect(
      api.sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('nope') })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('lists and describes the registered state machines', async () => {
    const { stateMachines } = await api.sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((m) => m.name)).toEqual(['double', 'block', 'job', 'labelled']);
    const described = await api.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: machineArn('double') }),
    );
    expect(described).toMatchObject({
      stateMachineArn: machineArn('double'),
      name: 'double',
      status: 'ACTIVE',
      type: 'STANDARD',
      creationDate: new Date('2023-06-01T00:00:00.000Z'),
    });
    expect(JSON.parse(described.definition as string)).toEqual(DOUBLE);
    expect(
      JSON.parse(
        (await api.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('block') })))
          .definition as string,
      ),
    ).toEqual(BLOCK);
  });
});

describe('Step Functions API: Distributed Map runs', () => {
  it('lists and describes the Map Runs of an execution with their real counts', async () => {
    const items = putItems('in/seven.jsonl', 7, 3);
    const partitions = [0, 1, 2];
    const { executionArn } = await start(
      'job',
      { bucket: 'data', key: 'in/seven.jsonl', partitions },
      'job-7',
    );
    const done = await untilDone(api.sfn, executionArn as string);
    // Independent expectation: batches of two items; the batch holding the failing item fails.
    const batches = [];
    for (let i = 0; i < items.length; i += 2) batches.push(items.slice(i, i + 2));
    const failedBatches = batches.filter((b) => b.some((i) => i.fail));
    const failedItems = failedBatches.flat().length;
    const okSum = batches
      .filter((b) => !b.some((i) => i.fail))
      .flat()
      .reduce((sum, i) => sum + i.n * i.n, 0);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ sum: okSum, parts: partitions.length });

    const { mapRuns = [] } = await api.sfn.send(new ListMapRunsCommand({ executionArn }));
    expect(mapRuns).toHaveLength(2);
    expect(mapRuns.every((r) => r.executionArn === executionArn)).toBe(true);
    const [map, reduce] = await Promise.all(
      mapRuns.map((r) => api.sfn.send(new DescribeMapRunCommand({ mapRunArn: r.mapRunArn }))),
    );
    expect(map).toMatchObject({
      executionArn,
      status: 'SUCCEEDED',
      maxConcurrency: 1,
      toleratedFailurePercentage: 50,
      itemCounts: {
        total: items.length,
        succeeded: items.length - failedItems,
        failed: failedItems,
        running: 0,
        pending: 0,
      },
      executionCounts: {
        total: batches.length,
        succeeded: batches.length - failedBatches.length,
        failed: failedBatches.length,
      },
    });
    expect(map?.startDate).toBeInstanceOf(Date);
    expect(reduce?.itemCounts).toMatchObject({
      total: partitions.length,
      succeeded: partitions.length,
      failed: 0,
    });

    const children = await api.sfn.send(
      new ListExecutionsCommand({ mapRunArn: mapRuns[0]?.mapRunArn, statusFilter: 'FAILED' }),
    );
    expect(children.executions).toHaveLength(failedBatches.length);
    const child = await api.sfn.send(
      new DescribeExecutionCommand({ executionArn: children.executions?.[0]?.executionArn }),
    );
    expect(child).toMatchObject({ status: 'FAILED', error: 'Item.Failed', mapRunArn: mapRuns[0]?.mapRunArn });
  });

  it('puts a Map state’s Label in its Map Run ARN', async () => {
    putItems('in/two.jsonl', 2);
    const { executionArn } = await start('labelled', { bucket: 'data', key: 'in/two.jsonl', partitions: [] });
    await untilDone(api.sfn, executionArn as string);
    const { mapRuns = [] } = await api.sfn.send(new ListMapRunsCommand({ executionArn }));
    expect(mapRuns[0]?.mapRunArn).toMatch(/^arn:aws:states:us-east-1:123456789012:mapRun:labelled\/Shards:/);
    expect(jobDefinition('Shards').States.Map).toHaveProperty('Label', 'Shards');
  });
});

describe('Step Functions API: GetExecutionHistory', () => {
  it('returns the events the engine reported, in order, with or without data', async () => {
    const { executionArn } = await start('double', { n: 5 }, 'history-5');
    await untilDone(api.sfn, executionArn as string);
    const { events = [] } = await api.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events[0]?.executionStartedEventDetails?.input).toBe('{"n":5}');
    expect(events[4]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: fn('double'),
      input: '{"n":5}',
    });
    expect(events[6]?.lambdaFunctionSucceededEventDetails?.output).toBe('{"n":10}');
    expect(events[7]?.stateExitedEventDetails).toMatchObject({ name: 'Double', output: '{"n":10}' });
    expect(events[8]?.executionSucceededEventDetails?.output).toBe('{"n":10}');
    expect(events.every((e) => e.timestamp instanceof Date)).toBe(true);

    const bare = await api.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        includeExecutionData: false,
        reverseOrder: true,
        maxResults: 4,
      }),
    );
    expect(bare.events?.map((e) => e.id)).toEqual([9, 8, 7, 6]);
    expect(bare.events?.[0]?.executionSucceededEventDetails?.output).toBeUndefined();
    const rest = await api.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        includeExecutionData: false,
        nextToken: bare.nextToken,
      }),
    );
    expect(rest.events?.map((e) => e.id)).toEqual([5, 4, 3, 2, 1]);
    expect(rest.nextToken).toBeUndefined();
  });

  it('records a failed task and the execution’s failure', async () => {
    const { executionArn } = await start('double', { n: -1 });
    await untilDone(api.sfn, executionArn as string);
    const { events = [] } = await api.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((e) => e.type).slice(-5)).toEqual([
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
    expect(events.at(-2)?.lambdaFunctionFailedEventDetails?.error).toBe('Negative');
    expect(JSON.parse(events.at(-2)?.lambdaFunctionFailedEventDetails?.cause ?? '{}')).toMatchObject({
      errorType: 'Negative',
      errorMessage: 'n must not be negative',
    });
    expect(events.at(-1)?.executionFailedEventDetails?.error).toBe('Negative');
  });

  it('has no history for an execution it does not know', async () => {
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:double:never';
    await expect(api.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
  });
});

describe('the test state machines', () => {
  it('are valid ASL', () => {
    for (const definition of [DOUBLE, BLOCK, jobDefinition(), jobDefinition('Shards')])
      expectValidAsl(definition);
  });
});
