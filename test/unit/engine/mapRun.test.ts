import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../framework/engine/index.js';
import { fn, functionError, runAsl, testEngine } from './support/fakes.js';
import { MemoryStore } from './support/memoryStore.js';

function dmap(fields: Record<string, unknown>, work: Record<string, unknown> = {}) {
  return {
    StartAt: 'Shards',
    States: {
      Shards: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: fn('work'), End: true, ...work } },
        },
        End: true,
        ...fields,
      },
    },
  };
}

/** Fails items whose n is a multiple of 5. */
const fiveFails = (p: { n: number }) => {
  if (p.n % 5 === 0) throw functionError('Bad', `item ${p.n}`);
  return { n: p.n, doubled: p.n * 2 };
};
const items = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

describe('Distributed Map: ResultWriter', () => {
  it('writes SUCCEEDED_0.json, FAILED_0.json and manifest.json as AWS does, and returns their place', async () => {
    const out = new MemoryStore('out');
    const { engine } = testEngine({ work: fiveFails }, { buckets: { out } });
    const definition = dmap({
      ToleratedFailurePercentage: 50,
      Label: 'Shards',
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: 'out', 'Prefix.$': "States.Format('{}/results', $.job)" },
      },
    });
    const input = { job: 'j1', items: items(10) };
    const execution = engine.startExecution({
      definition,
      input,
      name: 'run1',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:jobs',
    });
    await execution.done;
    expect(execution.status).toBe('SUCCEEDED');
    const output = execution.output as {
      MapRunArn: string;
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    expect(output.MapRunArn).toMatch(
      /^arn:aws:states:us-east-1:123456789012:mapRun:jobs\/Shards:[0-9a-f-]{36}$/,
    );
    const id = output.MapRunArn.split(':').pop();
    const dir = `j1/results/${id}`;
    expect(output.ResultWriterDetails).toEqual({ Bucket: 'out', Key: `${dir}/manifest.json` });

    const manifest = out.json(`${dir}/manifest.json`);
    expect(manifest).toEqual({
      DestinationBucket: 'out',
      MapRunArn: output.MapRunArn,
      ResultFiles: {
        FAILED: [{ Key: `${dir}/FAILED_0.json`, Size: out.objects.get(`${dir}/FAILED_0.json`)?.length }],
        PENDING: [],
        SUCCEEDED: [
          { Key: `${dir}/SUCCEEDED_0.json`, Size: out.objects.get(`${dir}/SUCCEEDED_0.json`)?.length },
        ],
      },
    });
    const succeeded = out.json(`${dir}/SUCCEEDED_0.json`) as Record<string, unknown>[];
    const expectedOk = input.items.filter((i) => i.n % 5 !== 0);
    expect(succeeded.map((e) => JSON.parse(e.Input as string))).toEqual(expectedOk);
    expect(succeeded.map((e) => JSON.parse(e.Output as string))).toEqual(
      expectedOk.map((i) => ({ n: i.n, doubled: i.n * 2 })),
    );
    expect(succeeded[0]).toMatchObject({
      ExecutionArn: expect.stringMatching(/^arn:aws:states:us-east-1:123456789012:execution:jobs\/Shards:/),
      InputDetails: { Included: true },
      OutputDetails: { Included: true },
      StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:jobs/Shards',
      Status: 'SUCCEEDED',
      StartDate: '2024-01-01T00:00:00.000Z',
      StopDate: '2024-01-01T00:00:00.000Z',
      RedriveCount: 0,
    });
    const failed = out.json(`${dir}/FAILED_0.json`) as Record<string, unknown>[];
    expect(failed.map((e) => [JSON.parse(e.Input as string), e.Status, e.Error])).toEqual(
      input.items.filter((i) => i.n % 5 === 0).map((i) => [i, 'FAILED', 'Bad']),
    );
    expect(failed[0]).not.toHaveProperty('Output');
    expect(engine.describeMapRun(output.MapRunArn).itemCounts).toMatchObject({
      total: 10,
      succeeded: 8,
      failed: 2,
      resultsWritten: 10,
    });
  });

  it('without ResultWriter the output is the child outputs in order (failed ones as full entries)', async () => {
    const { engine } = testEngine({ work: fiveFails });
    const execution = await runAsl(engine, dmap({ ToleratedFailureCount: 1 }), { items: items(4) });
    const output = execution.output as unknown[];
    expect(output.slice(1)).toEqual([1, 2, 3].map((n) => ({ n, doubled: n * 2 })));
    expect(output[0]).toMatchObject({ Status: 'FAILED', Error: 'Bad', Input: JSON.stringify({ n: 0 }) });
  });
});

describe('Distributed Map: WriterConfig', () => {
  it('Transformation FLATTEN writes the child outputs, arrays flattened one level', async () => {
    const out = new MemoryStore('out');
    const { engine } = testEngine({ work: (p: { n: number }) => [p.n, p.n + 100] }, { buckets: { out } });
    const definition = dmap({
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: 'out', Prefix: 'r' },
        WriterConfig: { Transformation: 'FLATTEN', OutputType: 'JSON' },
      },
    });
    const execution = await runAsl(engine, definition, { items: items(3) });
    const key = (execution.output as { ResultWriterDetails: { Key: string } }).ResultWriterDetails.Key;
    const manifest = out.json(key) as { ResultFiles: { SUCCEEDED: { Key: string }[] } };
    expect(out.json(manifest.ResultFiles.SUCCEEDED[0]?.Key as string)).toEqual([0, 100, 1, 101, 2, 102]);
  });

  it('without a Label the Map Run ARN gets a generated one', async () => {
    const { engine } = testEngine({ work: () => 1 });
    const execution = await runAsl(engine, dmap({}), { items: items(1) });
    const [run] = engine.listMapRuns(execution.executionArn).mapRuns;
    expect(run?.mapRunArn).toMatch(/:mapRun:StateMachine\/[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    expect(run?.stateMachineArn).toBe(
      run?.mapRunArn.replace(':mapRun:', ':stateMachine:').replace(/:[^:]+$/, ''),
    );
  });
});

describe('Distributed Map: tolerated failures', () => {
  // 10 items, 2 failing (20 %).
  const cases: [Record<string, unknown>, string][] = [
    [{ ToleratedFailurePercentage: 20 }, 'SUCCEEDED'],
    [{ ToleratedFailurePercentage: 19 }, 'FAILED'],
    [{ ToleratedFailureCount: 2 }, 'SUCCEEDED'],
    [{ ToleratedFailureCount: 1 }, 'FAILED'],
    [{ ToleratedFailureCount: 1, ToleratedFailurePercentage: 50 }, 'FAILED'],
    [{}, 'FAILED'],
  ];
  for (const [tolerance, status] of cases) {
    it(`${JSON.stringify(tolerance)} → ${status}`, async () => {
      const { engine } = testEngine({ work: fiveFails });
      const execution = await runAsl(engine, dmap({ ...tolerance, ResultPath: null }), { items: items(10) });
      expect(execution.status).toBe(status);
      if (status === 'FAILED') {
        expect(execution.error).toBe('States.ExceedToleratedFailureThreshold');
        const [run] = engine.listMapRuns(execution.executionArn).mapRuns;
        expect(engine.describeMapRun(run?.mapRunArn as string).status).toBe('FAILED');
      }
    });
  }

  it('past the threshold no new child starts, and a Catch gets the error', async () => {
    const { engine, invoker } = testEngine({ work: fiveFails });
    const definition = dmap({
      MaxConcurrency: 1,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
    });
    delete (definition.States.Shards as Record<string, unknown>).End;
    Object.assign(definition.States.Shards, { Next: 'Done' });
    Object.assign(definition.States, { Failed: { Type: 'Pass', End: true }, Done: { Type: 'Succeed' } });
    const execution = await runAsl(engine, definition, { items: items(10) });
    expect(invoker.calls).toHaveLength(1);
    expect(execution.output).toMatchObject({ error: { Error: 'States.ExceedToleratedFailureThreshold' } });
    const [run] = engine.listMapRuns(execution.executionArn).mapRuns;
    const { itemCounts, executionCounts } = engine.describeMapRun(run?.mapRunArn as string);
    expect(itemCounts).toMatchObject({ total: 10, failed: 1, pending: 9, running: 0, succeeded: 0 });
    expect(executionCounts).toMatchObject({ total: 10, failed: 1, pending: 9 });
  });

  it('child executions run their own Retry and Catch', async () => {
    const seen = new Map<number, number>();
    const flaky = (p: { n: number }) => {
      const count = (seen.get(p.n) ?? 0) + 1;
      seen.set(p.n, count);
      if (count === 1) throw functionError('Flaky');
      if (p.n === 3) throw functionError('Fatal');
      return p.n;
    };
    const { engine } = testEngine({ work: flaky });
    const work = {
      Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1 }],
      Catch: [{ ErrorEquals: ['Fatal'], Next: 'Fallback' }],
    };
    const definition = dmap({});
    const processor = (definition.States.Shards as { ItemProcessor: { States: Record<string, unknown> } })
      .ItemProcessor;
    Object.assign(processor.States, {
      Work: { Type: 'Task', Resource: fn('work'), End: true, ...work },
      Fallback: { Type: 'Pass', Result: 'fallback', End: true },
    });
    const execution = await runAsl(engine, definition, { items: items(5) });
    expect(execution.output).toEqual([0, 1, 2, 'fallback', 4]);
  });
});

describe('Distributed Map: concurrency, counts and events', () => {
  function slowInvoker() {
    return (p: { n: number }) => new Promise((resolve) => setTimeout(() => resolve(p.n), 1 + (p.n % 3)));
  }

  it('runs at most MaxConcurrency children at once', async () => {
    const { engine, invoker } = testEngine({ work: slowInvoker() });
    const execution = await runAsl(engine, dmap({ MaxConcurrency: 3 }), { items: items(20) });
    expect(execution.output).toEqual(items(20).map((i) => i.n));
    expect(invoker.maxInFlight).toBe(3);
  });

  it('without MaxConcurrency it uses defaultMapConcurrency', async () => {
    const { engine, invoker } = testEngine({ work: slowInvoker() }, { defaultMapConcurrency: 5 });
    await runAsl(engine, dmap({ MaxConcurrency: 0 }), { items: items(20) });
    expect(invoker.maxInFlight).toBe(5);
  });

  it('describes and lists the Map Run, and reports progress events', async () => {
    const events: EngineEvent[] = [];
    const { engine } = testEngine(
      { work: (p: { Items: unknown[] }) => p.Items.length },
      { onEvent: (e) => events.push(e) },
    );
    const definition = dmap({
      MaxConcurrency: 2,
      ItemBatcher: { MaxItemsPerBatch: 4 },
      ToleratedFailurePercentage: 10,
    });
    const execution = await runAsl(engine, definition, { items: items(10) });
    const { mapRuns } = engine.listMapRuns(execution.executionArn);
    expect(mapRuns).toHaveLength(1);
    const run = engine.describeMapRun(mapRuns[0]?.mapRunArn as string);
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      executionArn: execution.executionArn,
      maxConcurrency: 2,
      toleratedFailurePercentage: 10,
      toleratedFailureCount: 0,
    });
    expect(run.itemCounts).toMatchObject({
      pending: 0,
      running: 0,
      succeeded: 10,
      failed: 0,
      total: 10,
      resultsWritten: 0,
    });
    expect(run.executionCounts).toMatchObject({ succeeded: 3, total: 3 });
    const types = events.filter((e) => e.type.startsWith('MapRun')).map((e) => e.type);
    expect(types).toEqual([
      'MapRunStarted',
      'MapRunProgress',
      'MapRunProgress',
      'MapRunProgress',
      'MapRunSucceeded',
    ]);
    expect(events.find((e) => e.type === 'MapRunStarted')).toMatchObject({
      stateName: 'Shards',
      total: 10,
      totalExecutions: 3,
    });
    const last = events.filter((e) => e.type === 'MapRunProgress').pop();
    expect(last).toMatchObject({ itemCounts: { succeeded: 10 } });
    const children = engine.listExecutions({ mapRunArn: run.mapRunArn }).executions;
    expect(children).toHaveLength(3);
    expect(engine.describeExecution(children[0]?.executionArn as string)).toMatchObject({
      status: 'SUCCEEDED',
      mapRunArn: run.mapRunArn,
    });
  });

  it('runs 2,000 items through ItemReader and ResultWriter', async () => {
    const count = 2000;
    const data = new MemoryStore('data');
    data.objects.set(
      'items.jsonl',
      Buffer.from(
        `${items(count)
          .map((i) => JSON.stringify(i))
          .join('\n')}\n`,
      ),
    );
    const { engine, invoker } = testEngine({ work: (p: { n: number }) => p.n * p.n }, { buckets: { data } });
    const definition = dmap({
      ItemsPath: undefined,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL' },
        Parameters: { Bucket: 'data', Key: 'items.jsonl' },
      },
      ItemSelector: { 'n.$': '$$.Map.Item.Value.n' },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: 'data', Prefix: 'out' },
      },
    });
    delete (definition.States.Shards as Record<string, unknown>).ItemsPath;
    const execution = await runAsl(engine, definition);
    expect(execution.status).toBe('SUCCEEDED');
    expect(invoker.calls).toHaveLength(count);
    const key = (execution.output as { ResultWriterDetails: { Key: string } }).ResultWriterDetails.Key;
    const manifest = data.json(key) as { ResultFiles: { SUCCEEDED: { Key: string }[] } };
    const entries = data.json(manifest.ResultFiles.SUCCEEDED[0]?.Key as string) as { Output: string }[];
    const expected: number[] = [];
    for (let n = 0; n < count; n++) expected.push(n * n);
    expect(entries.map((e) => JSON.parse(e.Output))).toEqual(expected);
  });
});
