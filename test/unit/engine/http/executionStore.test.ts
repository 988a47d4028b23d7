import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionStore } from '../../../../framework/engine/http/executionStore.js';
import { startStepFunctionsServer } from '../../../../framework/engine/http/stepFunctionsApi.js';
import { StoredEngine } from '../../../../framework/engine/http/storedEngine.js';
import { FakeInvoker, functionError, REGION } from '../support/fakes.js';
import { MemoryStore } from '../support/memoryStore.js';
import { blocker, CREDENTIALS, DOUBLE, jobDefinition, machineArn, untilDone } from './support.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stepmr-executions-'));
  dirs.push(dir);
  return dir;
}

const block = blocker();

/** The Step Functions API over a StoredEngine whose executions are kept in `dir`. */
async function startStoredApi(dir: string, options: { maxCount?: number; warn?: (t: string) => void } = {}) {
  const store = await ExecutionStore.open({ dir, lostError: 'Test.Lost', ...options });
  const data = new MemoryStore('data');
  const engine = new StoredEngine(
    {
      invoker: new FakeInvoker({
        double: (p: { n: number }) => ({ n: p.n * 2 }),
        block: block.handler,
        square: (p: { Items: { n: number; fail?: boolean }[] }) => {
          if (p.Items.some((i) => i.fail)) throw functionError('Item.Failed', 'an item asked to fail');
          return p.Items.reduce((sum, i) => sum + i.n * i.n, 0);
        },
        part: (p: number) => ({ part: p }),
        commit: () => ({ committed: true }),
      }),
      stores: () => data,
    },
    store,
  );
  const machines = {
    double: DOUBLE,
    block: {
      StartAt: 'B',
      States: {
        B: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:block', End: true },
      },
    },
    job: jobDefinition(),
  };
  const server = await startStepFunctionsServer({
    engine,
    store,
    stateMachines: Object.entries(machines).map(([name, definition]) => ({
      name,
      arn: machineArn(name),
      definition,
    })),
  });
  const sfn = new SFNClient({ endpoint: server.endpoint, region: REGION, credentials: CREDENTIALS });
  return {
    data,
    sfn,
    store,
    async close() {
      sfn.destroy();
      await server.close();
      await store.flush();
    },
  };
}

/** What the API answers about an execution: describe, list, Map Runs, history. */
async function views(sfn: SFNClient, executionArn: string, machine: string) {
  const { $metadata: _d, ...described } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const listed = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }))).executions;
  const runs = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns ?? [];
  const mapRuns = [];
  for (const run of runs) {
    const { $metadata: _m, ...d } = await sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }));
    const failed = await sfn.send(
      new ListExecutionsCommand({ mapRunArn: run.mapRunArn, statusFilter: 'FAILED' }),
    );
    mapRuns.push({ run, d, failed: failed.executions });
  }
  const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events;
  return { described, listed, mapRuns, history };
}

describe('ExecutionStore with StoredEngine', () => {
  it('answers for the executions of an earlier run as that run did', async () => {
    const dir = newDir();
    const first = await startStoredApi(dir);
    const items = Array.from({ length: 6 }, (_, n) => (n === 3 ? { n, fail: true } : { n }));
    first.data.objects.set('items.jsonl', Buffer.from(items.map((i) => JSON.stringify(i)).join('\n')));
    const { executionArn = '' } = await first.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn('job'),
        name: 'kept',
        input: JSON.stringify({ bucket: 'data', key: 'items.jsonl', partitions: [0, 1] }),
      }),
    );
    expect((await untilDone(first.sfn, executionArn)).status).toBe('SUCCEEDED');
    const before = await views(first.sfn, executionArn, machineArn('job'));
    await first.close();

    const second = await startStoredApi(dir);
    const after = await views(second.sfn, executionArn, machineArn('job'));
    expect(after).toEqual(before);
    expect(before.mapRuns[0]?.failed).toHaveLength(1);
    await expect(
      second.sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('job'), name: 'kept' })),
    ).rejects.toThrow(/Execution Already Exists/);
    await second.close();
  });

  it('keeps an execution running when its process died as ABORTED, saying so', async () => {
    const dir = newDir();
    const first = await startStoredApi(dir);
    const { executionArn = '' } = await first.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn('block'), input: '{}' }),
    );
    while (readdirSync(dir).filter((f) => f.endsWith('.json')).length === 0) {
      await new Promise((done) => setTimeout(done, 5));
    }
    // No close: as if the process had been killed. The next one opens the same directory.
    const second = await startStoredApi(dir);
    const described = await second.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Test.Lost' });
    expect(described.cause).toMatch(/without stopping it first/);
    const history = (await second.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
    expect(history.at(-1)).toMatchObject({ type: 'ExecutionAborted', previousEventId: history.length - 1 });
    block.release();
    await untilDone(first.sfn, executionArn);
    await first.close();
    await second.close();
  });

  it('keeps the newest maxCount executions, and skips an unreadable file with a warning', async () => {
    const dir = newDir();
    const first = await startStoredApi(dir, { maxCount: 2 });
    const arns: string[] = [];
    for (let n = 0; n < 3; n++) {
      const { executionArn = '' } = await first.sfn.send(
        new StartExecutionCommand({ stateMachineArn: machineArn('double'), input: JSON.stringify({ n }) }),
      );
      await untilDone(first.sfn, executionArn);
      arns.push(executionArn);
      await new Promise((done) => setTimeout(done, 5));
    }
    await first.close();
    writeFileSync(join(dir, 'broken.json'), '{"version": 1');
    const warnings: string[] = [];
    const second = await startStoredApi(dir, { maxCount: 2, warn: (t) => warnings.push(t) });
    const listed = (
      await second.sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('double') }))
    ).executions;
    expect(listed?.map((e) => e.executionArn)).toEqual([arns[2], arns[1]]);
    expect(warnings.join('')).toMatch(/skipped the stored execution .*broken\.json/);
    await second.close();
  });
});
