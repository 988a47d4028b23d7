import { it } from 'vitest';
import { fn, testEngine } from './support/fakes.js';
import { MemoryStore } from './support/memoryStore.js';
it('bench', async () => {
  for (const count of [2000, 20000]) {
    const data = new MemoryStore('data');
    data.objects.set('items.jsonl', Buffer.from(Array.from({ length: count }, (_, n) => JSON.stringify({ n })).join('\n')));
    const { engine } = testEngine({ work: (p: { n: number }) => p.n }, { buckets: { data } });
    const definition = { StartAt: 'M', States: { M: { Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' }, Parameters: { Bucket: 'data', Key: 'items.jsonl' } },
      ItemSelector: { 'n.$': '$$.Map.Item.Value.n' },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }, StartAt: 'W', States: { W: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fn('work'), 'Payload.$': '$' }, OutputPath: '$.Payload', End: true } } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'data', Prefix: 'out' } }, End: true } } };
    const t = performance.now();
    const ex = engine.startExecution({ definition });
    await ex.done;
    const ms = performance.now() - t;
    process.stderr.write(`${count} items: ${ms.toFixed(0)} ms, ${(ms / count * 1000).toFixed(1)} µs/item ${ex.status}\n`);
  }
});
