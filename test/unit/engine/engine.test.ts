import { describe, expect, it } from 'vitest';
import {
  DefinitionError,
  type EngineEvent,
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  InvalidNameError,
  ResourceNotFoundError,
} from '../../../framework/engine/index.js';
import { autoClock, expectValidAsl, flush, fn, manualClock, runAsl, testEngine } from './support/fakes.js';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const hello = {
  StartAt: 'Hello',
  States: { Hello: { Type: 'Pass', Result: { hello: 'world' }, End: true } },
};

describe('Engine API', () => {
  it('startExecution returns a running handle at once; describe and list look like the AWS API', async () => {
    const { engine } = testEngine({});
    expectValidAsl(hello);
    const execution = engine.startExecution({
      definition: JSON.stringify(hello),
      input: { a: 1 },
      name: 'first',
      stateMachineArn: SM,
    });
    expect(execution.status).toBe('RUNNING');
    expect(execution.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:orders:first');
    const done = await execution.done;
    expect(done).toBe(execution);
    expect(engine.describeExecution(execution.executionArn)).toEqual({
      executionArn: execution.executionArn,
      stateMachineArn: SM,
      name: 'first',
      status: 'SUCCEEDED',
      startDate: new Date('2024-01-01T00:00:00.000Z'),
      stopDate: new Date('2024-01-01T00:00:00.000Z'),
      input: '{"a":1}',
      inputDetails: { included: true },
      output: '{"hello":"world"}',
      outputDetails: { included: true },
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    const other = engine.startExecution({ definition: hello, stateMachineArn: `${SM}-2` });
    await other.done;
    expect(engine.listExecutions({ stateMachineArn: SM }).executions.map((e) => e.name)).toEqual(['first']);
    expect(engine.listExecutions({ statusFilter: 'SUCCEEDED' }).executions).toHaveLength(2);
    expect(engine.listExecutions({ statusFilter: 'FAILED' }).executions).toHaveLength(0);
  });

  it('describes a failed execution with its error and cause and no output', async () => {
    const { engine } = testEngine({});
    const execution = await runAsl(engine, {
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'E', Cause: 'C' } },
    });
    const described = engine.describeExecution(execution.executionArn);
    expect(described).toMatchObject({ status: 'FAILED', error: 'E', cause: 'C' });
    expect(described).not.toHaveProperty('output');
  });

  it('refuses duplicate and invalid names, and unknown ARNs', () => {
    const { engine } = testEngine({});
    engine.startExecution({ definition: hello, name: 'dup' });
    expect(() => engine.startExecution({ definition: hello, name: 'dup' })).toThrow(
      ExecutionAlreadyExistsError,
    );
    for (const name of ['a b', 'a/b', '', 'x'.repeat(81), 'tab\there']) {
      expect(() => engine.startExecution({ definition: hello, name }), name).toThrow(InvalidNameError);
    }
    expect(() => engine.describeExecution('arn:aws:states:us-east-1:123456789012:execution:x:y')).toThrow(
      ExecutionDoesNotExistError,
    );
    expect(() => engine.describeMapRun('arn:aws:states:us-east-1:123456789012:mapRun:x/y:z')).toThrow(
      ResourceNotFoundError,
    );
  });

  it('emits execution and state events in order', async () => {
    const events: EngineEvent[] = [];
    const { engine } = testEngine({ f: () => 1 });
    const off = engine.on((e) => events.push(e));
    const definition = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Task', Resource: fn('f'), End: true } },
    };
    await runAsl(engine, definition);
    off();
    expect(
      events.map((e) => (e.type.startsWith('State') ? `${e.type}:${(e as { name: string }).name}` : e.type)),
    ).toEqual([
      'ExecutionStarted',
      'StateEntered:A',
      'StateExited:A',
      'StateEntered:B',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'StateExited:B',
      'ExecutionSucceeded',
    ]);
    expect(events.find((e) => e.type === 'TaskScheduled')).toMatchObject({ name: 'B', resource: fn('f') });
    expect(events.find((e) => e.type === 'TaskSucceeded')).toMatchObject({ name: 'B', output: 1 });
    await runAsl(engine, definition);
    expect(events).toHaveLength(9);
  });

  it('a listener that throws does not break the execution', async () => {
    const { engine } = testEngine(
      {},
      {
        onEvent: () => {
          throw new Error('listener bug');
        },
      },
    );
    expect((await runAsl(engine, hello)).status).toBe('SUCCEEDED');
  });
});

describe('definition errors name the state and the field', () => {
  const { engine } = testEngine({});
  const cases: [unknown, RegExp][] = [
    [{ States: { A: { Type: 'Pass', End: true } } }, /"StartAt" is missing/],
    [{ StartAt: 'B', States: { A: { Type: 'Pass', End: true } } }, /"StartAt" is "B", which is not a state/],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } },
      /state "A": has Next "Nowhere", which is not a state/,
    ],
    [{ StartAt: 'A', States: { A: { Type: 'Pass' } } }, /state "A": needs either "Next" or "End"/],
    [{ StartAt: 'A', States: { A: { Type: 'Bogus', End: true } } }, /state "A": "Type" must be one of/],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', End: true }, B: { Type: 'Pass', End: true } } },
      /state "B" is not reachable/,
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'x.$': 'States.Nope()' }, End: true } } },
      /state "A": field "Parameters"/,
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', ResultPath: '$.a[*]', End: true } } },
      /state "A": "ResultPath" must be a Reference Path/,
    ],
    [
      {
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
      },
      /state "A": Resource .* is not supported/,
    ],
    [
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Y' } } },
            End: true,
          },
        },
      },
      /state "X" in the ItemProcessor of state "M": has Next "Y"/,
    ],
    ['{not json', /not JSON/],
  ];
  for (const [definition, message] of cases) {
    it(String(message), () => {
      expect(() => engine.startExecution({ definition: definition as object })).toThrow(DefinitionError);
      expect(() => engine.startExecution({ definition: definition as object })).toThrow(message);
    });
  }
});

describe('Wait, Fail, Succeed', () => {
  it('Wait sleeps Seconds, SecondsPath, and until Timestamp / TimestampPath', async () => {
    const clock = autoClock();
    const { engine } = testEngine({}, { deps: clock.deps });
    const definition = {
      StartAt: 'W1',
      States: {
        W1: { Type: 'Wait', Seconds: 3, Next: 'W2' },
        W2: { Type: 'Wait', SecondsPath: '$.delay', Next: 'W3' },
        W3: { Type: 'Wait', Timestamp: '2024-01-01T00:01:00Z', Next: 'W4' },
        W4: { Type: 'Wait', TimestampPath: '$.until', Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const execution = await runAsl(engine, definition, { delay: 7, until: '2023-01-01T00:00:00Z' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(clock.sleeps).toEqual([3000, 7000, 60_000 - 10_000, 0]);
  });

  it('Fail takes Error / Cause, or ErrorPath / CausePath (paths or intrinsics)', async () => {
    const { engine } = testEngine({});
    const fixed = { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'MyError', Cause: 'why' } } };
    expect(await runAsl(engine, fixed)).toMatchObject({ status: 'FAILED', error: 'MyError', cause: 'why' });
    const dynamic = {
      StartAt: 'F',
      States: { F: { Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('code {}', $.code)" } },
    };
    expect(await runAsl(engine, dynamic, { e: 'Dyn', code: 42 })).toMatchObject({
      error: 'Dyn',
      cause: 'code 42',
    });
  });

  it('Succeed outputs its input through InputPath and OutputPath', async () => {
    const { engine } = testEngine({});
    const definition = {
      StartAt: 'S',
      States: { S: { Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' } },
    };
    expect((await runAsl(engine, definition, { a: { b: 2 } })).output).toBe(2);
  });
});

describe('stop and timeouts', () => {
  it('stop() aborts running invocations and ends ABORTED with the given error and cause', async () => {
    const clock = manualClock();
    const signals: AbortSignal[] = [];
    const hang = (_p: never, info: { options?: { signal?: AbortSignal } }) =>
      new Promise((_resolve, reject) => {
        const signal = info.options?.signal as AbortSignal;
        signals.push(signal);
        signal.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        );
      });
    const events: string[] = [];
    const { engine } = testEngine(
      { hang: hang as never },
      { deps: clock.deps, onEvent: (e) => events.push(e.type) },
    );
    const definition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'H',
            States: { H: { Type: 'Task', Resource: fn('hang'), End: true } },
          },
          End: true,
        },
      },
    };
    expectValidAsl(definition);
    const execution = engine.startExecution({ definition, input: { items: [1, 2, 3] } });
    await flush();
    expect(signals).toHaveLength(3);
    await execution.stop('Stopped.ByUser', 'enough');
    expect(execution.status).toBe('ABORTED');
    await execution.done;
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Stopped.ByUser', cause: 'enough' });
    const [run] = engine.listMapRuns(execution.executionArn).mapRuns;
    const described = engine.describeMapRun(run?.mapRunArn as string);
    expect(described.status).toBe('ABORTED');
    expect(described.itemCounts).toMatchObject({ aborted: 3, running: 0 });
    expect(events).toContain('ExecutionAborted');
    expect(events).toContain('MapRunAborted');
  });

  it('stop() cuts a Wait short', async () => {
    const clock = manualClock();
    const { engine } = testEngine({}, { deps: clock.deps });
    const execution = engine.startExecution({
      definition: { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
    });
    await flush();
    expect(clock.pending).toBe(1);
    await execution.stop();
    await execution.done;
    expect(execution.status).toBe('ABORTED');
    expect(clock.pending).toBe(0);
  });

  it('HeartbeatSeconds on a Lambda task (which sends no heartbeat) ends the attempt with States.Timeout', async () => {
    const clock = manualClock();
    const hang = () => new Promise(() => undefined);
    const { engine } = testEngine({ hang }, { deps: clock.deps });
    const definition = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: fn('hang'), TimeoutSeconds: 100, HeartbeatSeconds: 20, End: true },
      },
    };
    expectValidAsl(definition);
    const execution = engine.startExecution({ definition });
    await flush();
    clock.advance(20_000);
    await execution.done;
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('the state machine TimeoutSeconds ends the execution TIMED_OUT', async () => {
    const clock = manualClock();
    const { engine } = testEngine({}, { deps: clock.deps });
    const definition = {
      TimeoutSeconds: 10,
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 60, End: true } },
    };
    expectValidAsl(definition);
    const execution = engine.startExecution({ definition });
    await flush();
    clock.advance(10_000);
    await execution.done;
    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });
});

describe('Parallel and inline Map', () => {
  it('Parallel runs branches on the same input; the output is in branch order', async () => {
    const { engine } = testEngine({ f: (p: { x: number }) => p.x * 10 });
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', Resource: fn('f'), End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', InputPath: '$.x', End: true } } },
          ],
          ResultPath: '$.both',
          End: true,
        },
      },
    };
    expect((await runAsl(engine, definition, { x: 4 })).output).toEqual({ x: 4, both: [40, 4] });
  });

  it('inline Map: ItemsPath, legacy Parameters with $$.Map.Item, Iterator, MaxConcurrency; a failure fails the Map', async () => {
    const { engine, invoker } = testEngine({
      f: (p: { v: number; i: number }) => {
        if (p.v < 0) throw Object.assign(new Error('negative'), { name: 'Negative' });
        return p.v + p.i;
      },
    });
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.values',
          Parameters: { 'v.$': '$$.Map.Item.Value', 'i.$': '$$.Map.Item.Index' },
          MaxConcurrency: 2,
          Iterator: { StartAt: 'F', States: { F: { Type: 'Task', Resource: fn('f'), End: true } } },
          ResultPath: '$.sums',
          End: true,
        },
      },
    };
    const values = [5, 6, 7, 8];
    const ok = await runAsl(engine, definition, { values });
    expect(ok.output).toEqual({ values, sums: values.map((v, i) => v + i) });
    expect(invoker.maxInFlight).toBeLessThanOrEqual(2);
    const failed = await runAsl(engine, definition, { values: [1, -1, 2] });
    expect([failed.status, failed.error]).toEqual(['FAILED', 'Negative']);
  });
});
