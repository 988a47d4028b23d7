import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStatusCommands } from '../../../framework/cli/cloudCommands.js';
import { JobFailedError } from '../../../framework/runtime/errors.js';
import { stackHandler } from '../../../framework/runtime/offline/stackApi.js';
import {
  type Api,
  blocker,
  CREDENTIALS,
  machineArn,
  startApi,
  untilDone,
  waitFor,
} from '../engine/http/support.js';
import { functionError } from '../engine/support/fakes.js';

type Item = { n: number; fail?: boolean; hold?: boolean };

const block = blocker();
let held: (() => void) | undefined;
let api: Api;
let cfn: CloudFormationClient;
const home = mkdtempSync(join(tmpdir(), 'stepmr-cli-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

beforeAll(async () => {
  api = await startApi(
    {
      block: block.handler,
      square: async (p: { Items: Item[] }) => {
        if (p.Items.some((i) => i.hold)) await new Promise<void>((resolve) => (held = resolve));
        if (p.Items.some((i) => i.fail)) throw functionError('Item.Failed', 'an item asked to fail');
        return p.Items.reduce((sum, i) => sum + i.n * i.n, 0);
      },
      part: (p: number) => p,
      commit: (p: { map: unknown[]; reduce: unknown[] }) => ({
        output: 's3://data/out/wc/',
        records: p.map.reduce((a: number, b) => a + (typeof b === 'number' ? b : 0), 0),
        parts: p.reduce.length,
        bytes: 2048,
      }),
    },
    {
      fallback: stackHandler({
        stacks: [{ name: 'stepmr-dev', outputs: { StateMachineArn: machineArn('job'), DataBucket: 'data' } }],
      }),
    },
  );
  cfn = new CloudFormationClient({
    endpoint: api.server.endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
});
afterAll(async () => {
  cfn.destroy();
  await api.close();
});

/** Runs `stepmr <args>` with the cloud commands, as main.ts would: output and exit code. */
async function stepmr(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('stepmr')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  addStatusCommands(program, {
    sfn: () => api.sfn,
    cloudFormation: () => cfn,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    // An empty registry of jobs run here: every job named is the stack's.
    env: { STEPMR_HOME: home, ...env },
    now: () => Date.parse('2024-01-01T00:01:00.000Z'),
    sleep: async () => {
      held?.();
      await waitFor(() =>
        api.engine.listExecutions({ statusFilter: 'RUNNING' }).executions.every((e) => e.name !== 'watched'),
      );
    },
  });
  let error: unknown;
  try {
    await program.parseAsync(['node', 'stepmr', ...args]);
  } catch (e) {
    error = e;
  }
  // main.ts: a CommanderError is usage (2) unless it is help (0); any other error is 1.
  const code = error === undefined ? 0 : error instanceof CommanderError ? (error.exitCode === 0 ? 0 : 2) : 1;
  return { stdout: out.join(''), stderr: err.join(''), error, code };
}

async function runJob(machine: string, name: string, items: Item[], partitions: number[], wait = true) {
  const key = `in/${name}.jsonl`;
  api.data.objects.set(key, Buffer.from(items.map((i) => JSON.stringify(i)).join('\n')));
  const { executionArn } = await api.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn(machine),
      name,
      input: JSON.stringify({ bucket: 'data', key, partitions }),
    }),
  );
  if (wait) await untilDone(api.sfn, executionArn as string);
  return executionArn as string;
}

describe('stepmr status', () => {
  // Items 0..4, item 1 failing: batches [0,1] (failed), [2,3], [4]; squares 4 + 9 + 16 = 29.
  const items: Item[] = [{ n: 0 }, { n: 1, fail: true }, { n: 2 }, { n: 3 }, { n: 4 }];
  let arn: string;
  beforeAll(async () => {
    arn = await runJob('job', 'five', items, [0, 1]);
  });

  it('shows status, items and tasks per stage and the result of a job', async () => {
    const r = await stepmr(['status', arn]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^five {2}SUCCEEDED {2}\(\d+ms\)$/);
    expect(lines).toContain(`  execution  ${arn}`);
    // Items, then tasks: batch [0, 1] failed (tolerated), [2, 3] and [4] succeeded.
    expect(lines.filter((l) => /^ {2}map /.test(l))).toEqual([
      expect.stringMatching(/^ {2}map {5}3\/5 splits \| in \S+ \| tasks: 2 done, 1 failed$/),
    ]);
    expect(lines.filter((l) => /^ {2}reduce /.test(l))).toEqual([
      expect.stringMatching(/^ {2}reduce {2}2\/2 partitions \| in \S+ \| tasks: 2 done$/),
    ]);
    expect(lines).toContain('  output     s3://data/out/wc/  29 records in 2 parts, 2.0 KiB');
  });

  it('prints the status as JSON with --json', async () => {
    const r = await stepmr(['status', arn, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      executionArn: arn,
      name: 'five',
      status: 'SUCCEEDED',
      output: { output: 's3://data/out/wc/', records: 29, parts: 2, bytes: 2048 },
      stages: [
        { name: 'Map', total: 5, succeeded: 3, failed: 2, tasks: { running: 0, succeeded: 2, failed: 1 } },
        { name: 'Reduce', total: 2, succeeded: 2, failed: 0, tasks: { running: 0, succeeded: 2, failed: 0 } },
      ],
    });
    expect(new Date(report.startDate).toISOString()).toBe(report.startDate);
  });

  it('finds an execution by name on the stack’s state machine', async () => {
    const r = await stepmr(['status', 'five', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).executionArn).toBe(arn);
    const missing = await stepmr(['status', 'five'], { STEPMR_STACK: 'stepmr-prod' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('stack stepmr-prod does not exist');
    expect(missing.stderr).toContain('--stack');
  });

  it('exits 1 for a failed job, showing the failed task’s own error', async () => {
    const failedArn = await runJob('job', 'bad', [{ n: 0, fail: true }, { n: 1 }, { n: 2 }], [0]);
    const r = await stepmr(['status', failedArn]);
    expect(r.code).toBe(1);
    expect(r.error).toBeInstanceOf(JobFailedError);
    expect(r.stdout.split('\n')[0]).toMatch(/^bad {2}FAILED /);
    expect(r.stdout).toContain('  task error Item.Failed: an item asked to fail\n');
    expect(r.stdout).toContain(
      '  error      States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded\n',
    );
  });

  it('exits 2 for an unknown execution or something that is not one', async () => {
    const unknown = 'arn:aws:states:us-east-1:123456789012:execution:job:nope';
    const r = await stepmr(['status', unknown]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no execution ${unknown}`);
    const bad = await stepmr(['status', 'not an arn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected an execution ARN');
  });

  it('follows a running job with --watch, printing each stage’s progress', async () => {
    const watched = await runJob('job', 'watched', [{ n: 3, hold: true }], [0], false);
    await waitFor(() => held !== undefined);
    const r = await stepmr(['status', watched, '--watch', '--interval', '1']);
    expect(r.code).toBe(0);
    // Nothing ended yet: no rate, so no time left.
    expect(r.stderr.split('\n')).toEqual([
      'map     0/1 split | ETA ? | tasks: 1 running',
      expect.stringMatching(/^map {5}1\/1 split \| in \S+ \| tasks: 1 done$/),
      expect.stringMatching(/^reduce {2}1\/1 partition \| in \S+ \| tasks: 1 done$/),
      '',
    ]);
    expect(r.stdout).toContain('  output     s3://data/out/wc/  9 records in 1 part, 2.0 KiB');
  });
});

describe('stepmr list', () => {
  it('lists a state machine’s executions newest first, as a table or JSON', async () => {
    const runs = [
      { name: 'a-0', items: [{ n: 1 }] },
      { name: 'a-1', items: [{ n: 1, fail: true }] },
      { name: 'a-2', items: [{ n: 2 }] },
    ];
    for (const run of runs) await runJob('labelled', run.name, run.items, []);
    const r = await stepmr(['list', '--state-machine', machineArn('labelled'), '--limit', '2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]?.split(/\s+/)).toEqual(['NAME', 'STATUS', 'STARTED', 'DURATION']);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['a-2', 'SUCCEEDED'],
      ['a-1', 'FAILED'],
    ]);
    const failed = await stepmr([
      'list',
      '--state-machine',
      machineArn('labelled'),
      '--status',
      'FAILED',
      '--json',
    ]);
    expect(JSON.parse(failed.stdout).map((e: { name: string }) => e.name)).toEqual(['a-1']);
  });

  it('takes the state machine from the stack, and says when there are no executions', async () => {
    const fromStack = await stepmr(['list', '--json', '--limit', '1000']);
    const names = JSON.parse(fromStack.stdout).map((e: { name: string }) => e.name);
    expect(names).toContain('five');
    expect(names).not.toContain('a-0');
    const none = await stepmr(['list', '--state-machine', machineArn('double')]);
    expect(none.stdout).toBe(`no executions of ${machineArn('double')}\n`);
  });

  it('lists the jobs run here with --local, which excludes --stack', async () => {
    const local = await stepmr(['list', '--local']);
    expect(local.code).toBe(0);
    expect(local.stdout).toBe(
      'no executions of arn:aws:states:local:000000000000:stateMachine:stepmr-local\n',
    );
    const both = await stepmr(['list', '--local', '--stack', 'stepmr-dev']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("option '--local' cannot be used with option '--stack <name>'");
  });

  it('exits 2 for an unknown status, state machine ARN or stack', async () => {
    expect((await stepmr(['list', '--status', 'DONE'])).code).toBe(2);
    const badArn = await stepmr(['list', '--state-machine', 'job']);
    expect(badArn.code).toBe(2);
    expect(badArn.stderr).toContain('--state-machine must be a state machine ARN');
    const r = await stepmr(['list', '--stack', 'elsewhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stack elsewhere does not exist');
  });
});

describe('stepmr stop', () => {
  it('stops a running execution with a cause, and says when it had already ended', async () => {
    const { executionArn } = await api.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn('block') }),
    );
    await waitFor(() => block.waiting === 1);
    const r = await stepmr(['stop', executionArn as string, '--cause', 'wrong input']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^stopped ${executionArn} at \\d{4}-\\d\\d-\\d\\dT`));
    expect(await untilDone(api.sfn, executionArn as string)).toMatchObject({
      status: 'ABORTED',
      error: 'Stepmr.Cancelled',
      cause: 'wrong input',
    });
    const again = await stepmr(['stop', executionArn as string]);
    expect(again.stdout).toBe(`${executionArn} had already ended (ABORTED); nothing to stop\n`);
    block.release();
  });
});
