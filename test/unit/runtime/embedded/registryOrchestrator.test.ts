import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineOrchestrator } from '../../../../framework/runtime/embedded/engineOrchestrator.js';
import { JobRegistry } from '../../../../framework/runtime/embedded/jobRegistry.js';
import {
  recordingOrchestrator,
  registryOrchestrator,
} from '../../../../framework/runtime/embedded/registryOrchestrator.js';
import {
  getExecutionStatus,
  listJobExecutions,
  stopJobExecution,
} from '../../../../framework/runtime/executions.js';
import { watchExecution } from '../../../../framework/runtime/watchExecution.js';
import { blocker, machineArn, startApi, waitFor } from '../../engine/http/support.js';
import { functionError } from '../../engine/support/fakes.js';

type Item = { n: number; fail?: boolean };

const home = mkdtempSync(join(tmpdir(), 'stepmr-registry-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const functions = {
  square: (p: { Items: Item[] }) => {
    if (p.Items.some((i) => i.fail)) throw functionError('Item.Failed', 'an item asked to fail');
    return p.Items.reduce((sum, i) => sum + i.n * i.n, 0);
  },
  part: (p: number) => p,
  commit: (p: { map: unknown[] }) => ({
    output: 'memory://data/out/',
    records: p.map.length,
    parts: 1,
    bytes: 9,
  }),
};

/** Starts a job through the recording orchestrator, as the process running it does. */
async function recordedRun(name: string, items: Item[], machine = 'job') {
  const block = blocker();
  const api = await startApi({ ...functions, block: block.handler });
  const registry = new JobRegistry(join(home, name));
  const inProcess = engineOrchestrator(api.engine, api.stateMachines);
  const recording = recordingOrchestrator(inProcess, registry, '/data/out/wc');
  api.data.objects.set('in/items.jsonl', Buffer.from(items.map((i) => JSON.stringify(i)).join('\n')));
  const { executionArn = '' } = await recording.startExecution({
    stateMachineArn: machineArn(machine),
    name,
    input: JSON.stringify({ bucket: 'data', key: 'in/items.jsonl', partitions: [0, 1] }),
  });
  return { api, block, registry, inProcess, recording, executionArn };
}

/** A job held running by its task, recorded once, as a running process's first poll does. */
async function heldRun(name: string) {
  const run = await recordedRun(name, [{ n: 1 }], 'block');
  await waitFor(() => run.block.waiting === 1);
  await getExecutionStatus(run.recording, run.executionArn);
  await run.recording.flush();
  return run;
}

describe('the registry of jobs run on this machine', () => {
  it('reports a finished job from another process as the running one saw it', async () => {
    const run = await recordedRun('five', [{ n: 0 }, { n: 1, fail: true }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const seen = await watchExecution(run.recording, run.executionArn, { intervalMs: 5 });
    await run.recording.flush();
    const elsewhere = registryOrchestrator(run.registry);
    const replayed = await getExecutionStatus(elsewhere, run.executionArn);
    expect(replayed).toEqual(seen);
    // And the engine itself, asked now, says the same.
    expect(replayed).toEqual(await getExecutionStatus(run.inProcess, run.executionArn));
    expect(replayed.status).toBe('SUCCEEDED');
    expect(replayed.stages.map((s) => [s.name, s.succeeded, s.failed])).toEqual([
      ['Map', 3, 2],
      ['Reduce', 2, 0],
    ]);
    const listed = await listJobExecutions(elsewhere, machineArn('job'));
    expect(listed.map((e) => [e.name, e.status])).toEqual([['five', 'SUCCEEDED']]);
    await run.api.close();
  });

  it('replays the failed task’s own error of a job that failed past its tolerance', async () => {
    const run = await recordedRun('bad', [{ n: 0, fail: true }, { n: 1 }, { n: 2 }]);
    const seen = await watchExecution(run.recording, run.executionArn, { intervalMs: 5 });
    await run.recording.flush();
    const replayed = await getExecutionStatus(registryOrchestrator(run.registry), run.executionArn);
    expect(replayed.taskFailure?.error).toBe('Item.Failed');
    expect(replayed).toEqual(seen);
    await run.api.close();
  });

  it('stops a running job by a request that the running process carries out at its next look', async () => {
    const run = await heldRun('held');
    const elsewhere = registryOrchestrator(run.registry);
    const stop = await stopJobExecution(elsewhere, run.executionArn, { cause: 'not needed' });
    expect(stop).toMatchObject({ stopped: true, status: 'ABORTED' });
    // Nothing stops until the running process looks at its job again.
    expect(run.api.engine.describeExecution(run.executionArn).status).toBe('RUNNING');
    const final = await watchExecution(run.recording, run.executionArn, { intervalMs: 5 });
    expect(final).toMatchObject({ status: 'ABORTED', error: 'Stepmr.Cancelled', cause: 'not needed' });
    await run.recording.close();
    expect(await run.registry.stopRequest('held')).toBeUndefined();
    expect((await getExecutionStatus(elsewhere, run.executionArn)).status).toBe('ABORTED');
    await run.api.close();
  });

  it('reports a job whose process died while it ran as FAILED', async () => {
    const run = await heldRun('orphan');
    const record = await run.registry.read('orphan');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await run.registry.write({ ...(record as NonNullable<typeof record>), pid: gone });
    const report = await getExecutionStatus(registryOrchestrator(run.registry), run.executionArn);
    expect(report).toMatchObject({ status: 'FAILED', error: 'Stepmr.ProcessExited' });
    expect(report.cause).toContain(`process ${gone}`);
    await run.api.engine.stopExecution(run.executionArn);
    await run.api.close();
  });

  it('knows no job it has no record of, and no record of a name that is not a job id', async () => {
    const registry = new JobRegistry(join(home, 'empty'));
    const arn = 'arn:aws:states:local:000000000000:execution:stepmr-local:nope';
    await expect(
      registryOrchestrator(registry).describeExecution({ executionArn: arn }),
    ).rejects.toMatchObject({
      type: 'ExecutionDoesNotExist',
    });
    expect(await registry.read('../../etc/passwd')).toBeUndefined();
  });
});
