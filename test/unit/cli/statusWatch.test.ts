import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeMapRunCommand, ListMapRunsCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStatusCommands } from '../../../framework/cli/cloudCommands.js';
import { bytes, duration } from '../../../framework/cli/format.js';
import { deployedDeps } from '../../../framework/handlers/deployedDeps.js';
import { plainTaskHandler } from '../../../framework/handlers/plainHandler.js';
import { taskHandlers } from '../../../framework/handlers/taskHandlers.js';
import { defineJob, lines } from '../../../framework/index.js';
import { sfnOrchestrator } from '../../../framework/runtime/aws/sfnOrchestrator.js';
import { Driver } from '../../../framework/runtime/Driver.js';
import { buildDefinition } from '../../../framework/statemachine/buildDefinition.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { registerStoreOpener } from '../../../framework/store/uri.js';
import { type Api, machineArn, startApi } from '../engine/http/support.js';
import { fn } from '../engine/support/fakes.js';

/**
 * A word count on the deployed stack's code: the real state machine on the engine behind the
 * Step Functions API, its tasks the deployed functions, the stack's bucket a folder here. Two of
 * its four map tasks are held, then let go one poll after the other, so that `stepmr status`
 * sees the map stage part-way, and `--watch` measures a rate between two polls.
 */
const BUCKET = 'stack-data';
const wc = defineJob({
  name: 'wc',
  input: lines(),
  map: (line: string, emit) => {
    for (const word of line.split(' ')) if (word) emit(word, 1);
  },
  reduce: (_word: string, counts: number[]) => counts.reduce((a, b) => a + b, 0),
});

type Split = { id: number; size: number };
let dir: string;
let bucket: FileStore;
let stack: Api;
const held: { items: Split[]; release: () => void }[] = [];
/** Input bytes of all files, and of the held tasks' splits, as the test wrote and saw them. */
let total = 0;
const sum = (splits: readonly Split[]) => splits.reduce((n, s) => n + s.size, 0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepmr-status-watch-'));
  const root = join(dir, 'stack');
  bucket = new FileStore(root);
  Object.defineProperty(bucket, 'url', { value: `s3://${BUCKET}/` });
  registerStoreOpener('s3', (parsed, uri) => {
    if (parsed.scheme !== 's3' || parsed.bucket !== BUCKET) throw new Error(`no bucket for ${uri}`);
    return { store: bucket, key: parsed.key };
  });
  await mkdir(join(root, 'in'), { recursive: true });
  // Seven files of different sizes: seven splits, four map tasks of two splits.
  for (let i = 0; i < 7; i++) {
    const text = Array.from({ length: 20 + 13 * i }, (_, n) => `w${n % 5} x${i}\n`).join('');
    await writeFile(join(root, 'in', `f${i}.txt`), text);
    total += Buffer.byteLength(text);
  }
  const config = { jobs: { wc } };
  const deps = () => deployedDeps(config, { bucket: BUCKET, bucketStore: () => bucket, tmpDir: dir });
  const tasks = taskHandlers(deps, plainTaskHandler);
  const map = async (event: { Items: Split[] }, info: unknown) => {
    // The tasks of splits 2 and 4 wait to be let go, before they read anything.
    if (event.Items.some((s) => s.id === 2 || s.id === 4))
      await new Promise<void>((release) => held.push({ items: event.Items, release }));
    return (tasks.map as (e: unknown, i: unknown) => unknown)(event, info);
  };
  stack = await startApi({ ...tasks, map } as never, {
    machines: {
      stepmr: buildDefinition({
        functions: { map: fn('map'), reduce: fn('reduce'), delegate: fn('delegate'), collect: fn('collect') },
      }),
    },
    engine: {
      stores: (name) => {
        if (name !== BUCKET) throw new Error(`no bucket ${name}`);
        return bucket;
      },
    },
  });
});

afterAll(async () => {
  for (const h of held) h.release();
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

/** The Map stage's item counts, as DescribeMapRun gives them. */
async function mapItems(executionArn: string) {
  const { mapRuns = [] } = await stack.sfn.send(new ListMapRunsCommand({ executionArn }));
  const first = mapRuns[0]?.mapRunArn;
  if (!first) return undefined;
  return stack.sfn.send(new DescribeMapRunCommand({ mapRunArn: first }));
}

describe('stepmr status of a job on the stack', () => {
  it('shows the bytes the map stage has read, its tasks and the time left, and --watch the same lines as stepmr run', async () => {
    const driver = new Driver({
      orchestrator: sfnOrchestrator(stack.sfn),
      stateMachineArn: machineArn('stepmr'),
      work: { store: bucket, bucket: BUCKET, prefix: 'work/' },
    });
    const started = await driver.start({
      job: wc,
      name: 'wc',
      module: 'job:wc',
      inputs: [`s3://${BUCKET}/in/`],
      output: `s3://${BUCKET}/out/wc/`,
      splitsPerTask: 2,
      reducers: 2,
    });
    const arn = started.executionArn;
    let ready = false;
    while (!ready) {
      const run = await mapItems(arn);
      ready = held.length === 2 && run?.itemCounts?.succeeded === 3;
      await new Promise((r) => setTimeout(r, 5));
    }
    const mapStart = (await mapItems(arn))?.startDate?.getTime() ?? 0;
    const [a, b] = held as [(typeof held)[0], (typeof held)[0]];
    const readFirst = total - sum(a.items) - sum(b.items);

    const until = async (check: () => Promise<boolean>) => {
      while (!(await check())) await new Promise((r) => setTimeout(r, 5));
    };

    let polls = 0;
    const base = mapStart + 60_000;
    const stepmr = async (args: string[], denied?: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const program = new Command('stepmr').exitOverride();
      addStatusCommands(program, {
        sfn: () => stack.sfn,
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
        env: { STEPMR_HOME: dir },
        now: () => base + 10_000 * polls,
        bucketStore: (name) => {
          if (denied) throw new Error(denied);
          if (name !== BUCKET) throw new Error(`no bucket ${name}`);
          return bucket;
        },
        // Each poll lets one held task go and waits for it to end; 10 s pass between polls.
        sleep: async () => {
          const next = held[polls++];
          next?.release();
          if (polls === 1)
            await until(async () => (await mapItems(arn))?.itemCounts?.succeeded === 3 + a.items.length);
          else await until(async () => (await driver.status(arn)).status !== 'RUNNING');
        },
      });
      await program.parseAsync(['node', 'stepmr', ...args]);
      return { stdout: out.join(''), stderr: err.join('') };
    };

    // Part-way: the splits of the two tasks that ended, of all the input; the time left at the
    // average rate since the map stage started, 60 s ago.
    const perSecond = readFirst / 60;
    const etaFirst = ((total - readFirst) / perSecond) * 1000;
    const report = JSON.parse((await stepmr(['status', arn, '--json'])).stdout);
    expect(report.stages).toHaveLength(1);
    expect(report.stages[0]).toMatchObject({
      name: 'Map',
      total: 7,
      succeeded: 3,
      tasks: { running: 2, succeeded: 2, failed: 0 },
      bytes: { total, read: readFirst },
    });
    expect(report.stages[0].etaMs).toBeCloseTo(etaFirst, 6);
    const firstLine = `map     3/7 splits | ${bytes(readFirst)} of ${bytes(total)} | ${bytes(perSecond)}/s | ETA ${duration(etaFirst)} | tasks: 2 running, 2 done`;
    expect((await stepmr(['status', arn])).stdout).toContain(`\n  ${firstLine}\n`);

    // Watching: one task ends between the first two polls, 10 s apart, so the rate is its bytes
    // over 10 s; then the last one, and the job ends.
    const readSecond = readFirst + sum(a.items);
    const rate = sum(a.items) / 10;
    const watched = await stepmr(['status', arn, '--watch', '--interval', '1']);
    const shown = watched.stderr.split('\n');
    expect(shown[0]).toBe(firstLine);
    expect(shown[1]).toBe(
      `map     ${3 + a.items.length}/7 splits | ${bytes(readSecond)} of ${bytes(total)} | ${bytes(rate)}/s | ETA ${duration(((total - readSecond) / rate) * 1000)} | tasks: 1 running, 3 done`,
    );
    expect(shown[2]).toMatch(
      new RegExp(
        `^map {5}7/7 splits \\| ${bytes(total)} of ${bytes(total)} \\| .* \\| in \\S+ \\| tasks: 4 done$`,
      ),
    );
    expect(shown[3]).toMatch(/^reduce {2}2\/2 partitions \| in \S+ \| tasks: 2 done$/);
    expect(shown.slice(4)).toEqual(['']);
    expect(watched.stdout.split('\n')[0]).toMatch(/ SUCCEEDED /);

    // Ended: the commit removed the splits; the plan still says how much the map stage read.
    const after = JSON.parse((await stepmr(['status', arn, '--json'])).stdout);
    expect(after.stages.map((s: { name: string }) => s.name)).toEqual(['Map', 'Reduce']);
    expect(after.stages[0].bytes).toEqual({ total, read: total });
    expect(after.stages[1].bytes).toBeUndefined();

    // Working objects that cannot be read: the counts still show, and a note says why not the bytes.
    const denied = await stepmr(['status', arn], 'Access Denied');
    expect(denied.stdout).toMatch(/\n {2}map {5}7\/7 splits \| in \S+ \| tasks: 4 done\n/);
    expect(denied.stdout).toContain(
      `\n  note       bytes read unknown: cannot read the job's working objects under s3://${BUCKET}/work/${started.jobId}/ (Access Denied); status needs s3:GetObject and s3:ListBucket on that bucket\n`,
    );
  });
});
