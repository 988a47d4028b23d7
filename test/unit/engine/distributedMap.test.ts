import { describe, expect, it } from 'vitest';
import { fn, runAsl, testEngine } from './support/fakes.js';
import { MemoryStore } from './support/memoryStore.js';

/** A Distributed Map over `fields`, whose processor invokes function `work` with the child input. */
function dmap(fields: Record<string, unknown>, processor?: Record<string, unknown>) {
  return {
    StartAt: 'Shards',
    States: {
      Shards: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: fn('work'), End: true, ...processor } },
        },
        End: true,
        ...fields,
      },
    },
  };
}

function withItems(store: MemoryStore, key: string, body: string) {
  store.objects.set(key, Buffer.from(body));
  return store;
}

describe('Distributed Map: ItemReader', () => {
  it('reads a JSON array; ItemSelector sees $$.Map.Item.Index / Value and the Map input', async () => {
    const items = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const data = withItems(new MemoryStore(), 'in/items.json', JSON.stringify(items));
    const { engine, invoker } = testEngine(
      { work: (p: { id: string; i: number }) => `${p.id}${p.i}` },
      { buckets: { data } },
    );
    const definition = dmap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.bucket', Key: 'in/items.json' },
      },
      ItemSelector: { 'id.$': '$$.Map.Item.Value.id', 'i.$': '$$.Map.Item.Index', 'job.$': '$.job' },
      MaxConcurrency: 1,
    });
    const execution = await runAsl(engine, definition, { bucket: 'data', job: 'j1' });
    expect(execution.output).toEqual(items.map((item, i) => `${item.id}${i}`));
    expect(invoker.calls.map((c) => c.payload)).toEqual(
      items.map((item, i) => ({ id: item.id, i, job: 'j1' })),
    );
  });

  it('reads JSON Lines, skipping blank lines, and keeps MaxItems items', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => JSON.stringify({ n: i }));
    const data = withItems(new MemoryStore(), 'x.jsonl', `${lines.join('\n')}\n\n`);
    const { engine } = testEngine({ work: (p: { n: number }) => p.n * 10 }, { buckets: { data } });
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL', MaxItems: 5 },
      Parameters: { Bucket: 'data', Key: 'x.jsonl' },
    };
    const execution = await runAsl(engine, dmap({ ItemReader: reader }));
    expect(execution.output).toEqual([0, 10, 20, 30, 40]);
  });

  it('reads CSV with the header row (FIRST_ROW) or given headers; values are strings', async () => {
    const csv = 'name,qty,note\nwidget,3,"a, quoted note"\ngadget,10,\n';
    const data = withItems(new MemoryStore(), 'x.csv', csv);
    const { engine } = testEngine({ work: (p: unknown) => p }, { buckets: { data } });
    const first = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
      Parameters: { Bucket: 'data', Key: 'x.csv' },
    };
    expect((await runAsl(engine, dmap({ ItemReader: first }))).output).toEqual([
      { name: 'widget', qty: '3', note: 'a, quoted note' },
      { name: 'gadget', qty: '10', note: '' },
    ]);
    const given = {
      ...first,
      ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['a', 'b', 'c'] },
    };
    const output = (await runAsl(engine, dmap({ ItemReader: given }))).output as unknown[];
    expect(output[0]).toEqual({ a: 'name', b: 'qty', c: 'note' });
    expect(output).toHaveLength(3);
  });

  it('a missing object fails the Map with States.ItemReaderFailed, which a Catch can handle', async () => {
    const { engine } = testEngine({ work: () => 1 });
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: 'data', Key: 'nope.json' },
    };
    const definition = dmap({
      ItemReader: reader,
      Catch: [{ ErrorEquals: ['States.ItemReaderFailed'], Next: 'NoItems' }],
      End: undefined,
      Next: 'Done',
    });
    Object.assign(definition.States, {
      NoItems: { Type: 'Pass', Result: 'no items', End: true },
      Done: { Type: 'Succeed' },
    });
    delete (definition.States.Shards as Record<string, unknown>).End;
    expect((await runAsl(engine, definition)).output).toBe('no items');
  });

  it('takes items from ItemsPath when there is no ItemReader', async () => {
    const { engine } = testEngine({ work: (p: number) => p + 1 });
    const execution = await runAsl(engine, dmap({ ItemsPath: '$.xs' }), { xs: [1, 2, 3] });
    expect(execution.output).toEqual([2, 3, 4]);
  });
});

describe('Distributed Map: ItemBatcher', () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ id: i, pad: 'p'.repeat(i * 7) }));

  it('batches by count, with BatchInput, in item order', async () => {
    const { engine, invoker } = testEngine({ work: (p: { Items: unknown[] }) => p.Items.length });
    const definition = dmap({
      ItemsPath: '$.items',
      MaxConcurrency: 1,
      ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'job.$': '$.job', fixed: 1 } },
    });
    const execution = await runAsl(engine, definition, { items, job: 'j' });
    const expected: unknown[] = [];
    for (let i = 0; i < items.length; i += 3)
      expected.push({ BatchInput: { job: 'j', fixed: 1 }, Items: items.slice(i, i + 3) });
    expect(invoker.calls.map((c) => c.payload)).toEqual(expected);
    expect(execution.output).toEqual(expected.map((b) => (b as { Items: unknown[] }).Items.length));
  });

  it('batches by bytes: each child input (BatchInput included) stays within MaxInputBytesPerBatch', async () => {
    const { engine, invoker } = testEngine({ work: () => null });
    const maxBytes = 200;
    const batchInput = { job: 'j' };
    const definition = dmap({
      ItemsPath: '$.items',
      MaxConcurrency: 1,
      ItemBatcher: { MaxInputBytesPerBatch: maxBytes, BatchInput: batchInput },
    });
    await runAsl(engine, definition, { items });
    // Independent greedy packing: add items while the whole child input still fits.
    const expected: unknown[][] = [];
    let current: unknown[] = [];
    for (const item of items) {
      const candidate = [...current, item];
      if (
        current.length > 0 &&
        Buffer.byteLength(JSON.stringify({ BatchInput: batchInput, Items: candidate })) > maxBytes
      ) {
        expected.push(current);
        current = [item];
      } else current = candidate;
    }
    expected.push(current);
    const batches = invoker.calls.map((c) => (c.payload as { Items: unknown[] }).Items);
    expect(batches).toEqual(expected);
    for (const call of invoker.calls)
      expect(Buffer.byteLength(JSON.stringify(call.payload))).toBeLessThanOrEqual(maxBytes);
  });

  it('an item larger than the payload limit on its own fails its child with States.DataLimitExceeded', async () => {
    const data = withItems(new MemoryStore(), 'items.json', JSON.stringify(['a', 'b', 'x'.repeat(295), 'c']));
    const { engine, invoker } = testEngine(
      { work: () => 'ok' },
      { buckets: { data }, limits: { payloadBytes: 300, batchBytes: 300 } },
    );
    const reader = {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: 'data', Key: 'items.json' },
    };
    const definition = dmap({
      ItemReader: reader,
      ItemBatcher: { MaxItemsPerBatch: 2 },
      ToleratedFailureCount: 5,
      ResultPath: null,
    });
    const execution = await runAsl(engine, definition);
    expect(execution.status).toBe('SUCCEEDED');
    expect(invoker.calls.map((c) => (c.payload as { Items: unknown[] }).Items)).toEqual([['a', 'b'], ['c']]);
    const [run] = engine.listMapRuns(execution.executionArn).mapRuns;
    const described = engine.describeMapRun(run?.mapRunArn as string);
    expect(described.itemCounts).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
    expect(described.executionCounts).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    const failed = engine.listExecutions({
      mapRunArn: run?.mapRunArn as string,
      statusFilter: 'FAILED',
    }).executions;
    expect(failed).toHaveLength(1);
    expect(engine.describeExecution(failed[0]?.executionArn as string).error).toBe(
      'States.DataLimitExceeded',
    );
  });
});
