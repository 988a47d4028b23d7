import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputProblems, serviceModel } from '../../support/botocoreModel.js';
import { expectValidAsl, fn, functionError } from '../support/fakes.js';
import { type Api, blocker, machineArn, rawCall, startApi, untilDone, waitFor } from './support.js';

/**
 * GetExecutionHistory as AWS records it: Task scheduling, start and success of the optimized
 * Lambda integration, Map Run events (aborted included), and the history of each child
 * execution of a Map Run whose ItemProcessor is STANDARD; checked against botocore's model.
 */

const model = serviceModel('stepfunctions', '2016-11-23');
const block = blocker();
let api: Api;

const INVOKE = {
  StartAt: 'Call',
  States: {
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'echo', 'Payload.$': '$' },
      TimeoutSeconds: 30,
      HeartbeatSeconds: 10,
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

/** A Distributed Map of STANDARD children over `$.items`, each calling `fn`. */
const standardMap = (name: string) => ({
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: fn(name), End: true } },
      },
      End: true,
    },
  },
});

beforeAll(async () => {
  api = await startApi(
    {
      echo: (p: { n: number }) => {
        if (p.n < 0) throw functionError('Negative', 'n must not be negative');
        return { echoed: p.n };
      },
      twice: (n: number) => n * 2,
      block: block.handler,
    },
    { machines: { invoke: INVOKE, standard: standardMap('twice'), stuck: standardMap('block') } },
  );
});
afterAll(() => api.close());

const start = async (machine: string, input: unknown) => {
  const { executionArn } = await api.sfn.send(
    new StartExecutionCommand({ stateMachineArn: machineArn(machine), input: JSON.stringify(input) }),
  );
  return executionArn as string;
};

/** The history as the SDK parses it, after checking the raw answer against the model. */
async function history(executionArn: string, includeExecutionData = true): Promise<HistoryEvent[]> {
  const raw = await rawCall(api.server.endpoint, 'GetExecutionHistory', {
    executionArn,
    includeExecutionData,
  });
  expect(raw.status).toBe(200);
  expect(outputProblems(model, 'GetExecutionHistory', raw.body, true)).toEqual([]);
  const { events = [] } = await api.sfn.send(
    new GetExecutionHistoryCommand({ executionArn, includeExecutionData }),
  );
  return events;
}
const types = (events: HistoryEvent[]) => events.map((e) => e.type);

describe('GetExecutionHistory of the Lambda integration', () => {
  it('records TaskScheduled, TaskStarted and TaskSucceeded with the parameters and the result', async () => {
    const arn = await start('invoke', { n: 4 });
    expect(await untilDone(api.sfn, arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"echoed":4}' });
    const events = await history(arn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = events[2]?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
      timeoutInSeconds: 30,
      heartbeatInSeconds: 10,
    });
    expect(JSON.parse(scheduled?.parameters ?? '')).toEqual({ FunctionName: 'echo', Payload: { n: 4 } });
    expect(events[3]?.taskStartedEventDetails).toEqual({ resourceType: 'lambda', resource: 'invoke' });
    const succeeded = events[4]?.taskSucceededEventDetails;
    expect(succeeded).toMatchObject({ resourceType: 'lambda', resource: 'invoke' });
    expect(JSON.parse(succeeded?.output ?? '')).toMatchObject({ Payload: { echoed: 4 }, StatusCode: 200 });

    const bare = await history(arn, false);
    // The model requires parameters: they stay; inputs and outputs go.
    expect(bare[2]?.taskScheduledEventDetails?.parameters).toBe(scheduled?.parameters);
    expect(bare[4]?.taskSucceededEventDetails?.output).toBeUndefined();
    expect(bare[4]?.taskSucceededEventDetails?.resource).toBe('invoke');
  });

  it('records TaskFailed with the function’s error after TaskStarted', async () => {
    const arn = await start('invoke', { n: -1 });
    await untilDone(api.sfn, arn);
    const events = await history(arn);
    expect(types(events).slice(2)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskFailed', 'ExecutionFailed']);
    expect(events[4]?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'Negative',
    });
  });
});

describe('GetExecutionHistory of a Distributed Map', () => {
  it('records the Map Run in the parent, and keeps a history for each STANDARD child', async () => {
    const items = [1, 2, 3];
    const arn = await start('standard', { items });
    const done = await untilDone(api.sfn, arn);
    expect(JSON.parse(done.output as string)).toEqual(items.map((n) => n * 2));
    const events = await history(arn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    const [mapRun] = (await api.sfn.send(new ListMapRunsCommand({ executionArn: arn }))).mapRuns ?? [];
    expect(events[2]?.mapRunStartedEventDetails?.mapRunArn).toBe(mapRun?.mapRunArn);

    const { executions = [] } = await api.sfn.send(
      new ListExecutionsCommand({ mapRunArn: mapRun?.mapRunArn }),
    );
    expect(executions).toHaveLength(items.length);
    const inputs: number[] = [];
    for (const child of executions) {
      const childEvents = await history(child.executionArn as string);
      expect(types(childEvents)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      const input = JSON.parse(childEvents[0]?.executionStartedEventDetails?.input ?? '');
      inputs.push(input);
      expect(JSON.parse(childEvents[6]?.executionSucceededEventDetails?.output ?? '')).toBe(input * 2);
    }
    expect(inputs.sort()).toEqual(items);
  });

  it('records MapRunAborted when the execution is stopped', async () => {
    const arn = await start('stuck', { items: [1, 2] });
    await waitFor(() => block.waiting === 2);
    await api.sfn.send(new StopExecutionCommand({ executionArn: arn }));
    await untilDone(api.sfn, arn);
    block.release();
    const events = await history(arn);
    expect(types(events).slice(-2)).toEqual(['MapRunAborted', 'ExecutionAborted']);
  });

  it('keeps no history for an EXPRESS child, as AWS', async () => {
    api.data.objects.set('in/two.jsonl', Buffer.from('{"n":1}\n{"n":2}'));
    const arn = await start('job', { bucket: 'data', key: 'in/two.jsonl', partitions: [] });
    await untilDone(api.sfn, arn);
    const [mapRun] = (await api.sfn.send(new ListMapRunsCommand({ executionArn: arn }))).mapRuns ?? [];
    const { executions = [] } = await api.sfn.send(
      new ListExecutionsCommand({ mapRunArn: mapRun?.mapRunArn }),
    );
    const error = await api.sfn
      .send(new GetExecutionHistoryCommand({ executionArn: executions[0]?.executionArn }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toContain('EXPRESS');
  });
});

describe('the history test state machines', () => {
  it('are valid ASL', () => {
    for (const definition of [INVOKE, standardMap('twice')]) expectValidAsl(definition);
  });
});
