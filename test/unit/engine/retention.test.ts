import { describe, expect, it } from 'vitest';
import { ExecutionDoesNotExistError, ResourceNotFoundError } from '../../../framework/engine/index.js';
import { fn, testEngine } from './support/fakes.js';
import { MemoryStore } from './support/memoryStore.js';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:kept';
const pass = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
const dmap = {
  StartAt: 'Shards',
  States: {
    Shards: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'data', Key: 'items.json' },
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: fn('work'), End: true } },
      },
      End: true,
    },
  },
};

describe('Engine: finished executions kept', () => {
  it('forgets the first finished executions past maxFinishedExecutions, with their Map Runs', async () => {
    const data = new MemoryStore('data');
    data.objects.set('items.json', Buffer.from('[1,2,3]'));
    const { engine } = testEngine(
      { work: (n: number) => n },
      { buckets: { data }, maxFinishedExecutions: 2 },
    );
    const first = engine.startExecution({ definition: dmap, name: 'first', stateMachineArn: SM });
    await first.done;
    const [run] = engine.listMapRuns(first.executionArn).mapRuns;
    expect(engine.describeMapRun(run?.mapRunArn as string).itemCounts.succeeded).toBe(3);
    const names = ['second', 'third'];
    for (const name of names)
      await engine.startExecution({ definition: pass, name, stateMachineArn: SM }).done;

    expect(() => engine.describeExecution(first.executionArn)).toThrow(ExecutionDoesNotExistError);
    expect(() => engine.describeMapRun(run?.mapRunArn as string)).toThrow(ResourceNotFoundError);
    expect(engine.listMapRuns(first.executionArn).mapRuns).toEqual([]);
    const listed = engine.listExecutions({ stateMachineArn: SM }).executions.map((e) => e.name);
    expect(listed.sort()).toEqual([...names].sort());
    // The name of a forgotten execution can be used again.
    await expect(
      engine.startExecution({ definition: pass, name: 'first', stateMachineArn: SM }).done,
    ).resolves.toMatchObject({
      status: 'SUCCEEDED',
    });
  });

  it('never forgets a running execution, however many finish meanwhile', async () => {
    let release: () => void = () => undefined;
    const { engine } = testEngine(
      { wait: () => new Promise<string>((resolve) => (release = () => resolve('done'))) },
      { maxFinishedExecutions: 1 },
    );
    const waiting = { StartAt: 'W', States: { W: { Type: 'Task', Resource: fn('wait'), End: true } } };
    const running = engine.startExecution({ definition: waiting, name: 'running', stateMachineArn: SM });
    for (let i = 0; i < 3; i++)
      await engine.startExecution({ definition: pass, name: `quick-${i}`, stateMachineArn: SM }).done;
    expect(engine.describeExecution(running.executionArn).status).toBe('RUNNING');
    expect(
      engine
        .listExecutions({ stateMachineArn: SM })
        .executions.map((e) => e.name)
        .sort(),
    ).toEqual(['quick-2', 'running']);
    release();
    await running.done;
    expect(engine.describeExecution(running.executionArn).status).toBe('SUCCEEDED');
    expect(() => engine.describeExecution(`${SM.replace(':stateMachine:', ':execution:')}:quick-2`)).toThrow(
      ExecutionDoesNotExistError,
    );
  });

  it('keeps 1000 finished executions unless told otherwise, and refuses a negative bound', async () => {
    const { engine } = testEngine({});
    for (let i = 0; i < 1001; i++)
      await engine.startExecution({ definition: pass, name: `e-${i}`, stateMachineArn: SM }).done;
    const names = new Set(engine.listExecutions({ stateMachineArn: SM }).executions.map((e) => e.name));
    expect(names.size).toBe(1000);
    expect(names.has('e-0')).toBe(false);
    expect(names.has('e-1000')).toBe(true);
    expect(() => testEngine({}, { maxFinishedExecutions: -1 })).toThrow(RangeError);
  });
});

describe('Engine.stopExecution', () => {
  it('stops a running execution by ARN, and says when there is none', async () => {
    const { engine } = testEngine({
      wait: (_p: unknown, { options }) =>
        new Promise((_, reject) =>
          options?.signal?.addEventListener('abort', () => reject(new Error('stopped'))),
        ),
    });
    const waiting = { StartAt: 'W', States: { W: { Type: 'Task', Resource: fn('wait'), End: true } } };
    const execution = engine.startExecution({ definition: waiting, stateMachineArn: SM });
    await engine.stopExecution(execution.executionArn, 'E', 'C');
    await execution.done;
    expect(engine.describeExecution(execution.executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'E',
      cause: 'C',
    });
    await expect(engine.stopExecution(`${execution.executionArn}-nope`)).rejects.toThrow(
      ExecutionDoesNotExistError,
    );
  });
});
