import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countsOf, makeText, plainWordCount, rng, tempDir } from '../e2e/helpers.js';
import { type OfflineCloudChild, startOfflineCloudChild, submitArgs } from '../support/offlineCloud.js';
import { childProcesses, sampleMemory } from '../support/processMemory.js';

/**
 * The offline cloud under load and across restarts. Its data directory is inside the project,
 * where serverless-offline's file watcher used to see every object s3rver wrote (300 small
 * objects grew serverless-offline from 300 MB to 1.5 GB). Then a restart on the same data
 * directory still knows the earlier executions, and a part killed under it is named.
 */

const FUNCTIONS_BOUND_KIB = 768 * 1024;
const OBJECTS = 400;

const tmp = tempDir('stepmr-endure-');
// Inside the project (the working directory), as the default .stepmr/offline is.
const dataDir = join('.stepmr', `endure-test-${process.pid}`);
let cloud: OfflineCloudChild | undefined;

afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  tmp.cleanup();
}, 60_000);

function functionsPid(of: OfflineCloudChild): number {
  const child = childProcesses(of.pid ?? 0).find((c) => c.command.includes('serverless'));
  if (!child) throw new Error(`no serverless-offline process under stepmr offline (pid ${of.pid})`);
  return child.pid;
}

/** The AWS CLI v1 with only the variables the cloud printed. */
function awsCli(env: Readonly<Record<string, string>>, ...args: string[]): Promise<string> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      args,
      { env: { ...clean, ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
      (error, stdout, stderr) =>
        error ? reject(new Error(`aws ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

describe('the offline cloud, with its data inside the project', () => {
  const random = rng(23);
  const corpus = join(tmp.dir, 'corpus');
  mkdirSync(corpus, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    const file = join(corpus, `doc-${String(i).padStart(4, '0')}.txt`);
    writeFileSync(file, makeText(random, 3 + (i % 5), i % 7 === 0));
    files.push(file);
  }
  let finished = '';
  let interrupted = '';

  it(`takes ${OBJECTS} objects and a job with serverless-offline under ${FUNCTIONS_BOUND_KIB / 1024} MiB, the result exact`, async () => {
    cloud = await startOfflineCloudChild(dataDir);
    const sampler = sampleMemory(functionsPid(cloud));
    const bucket = cloud.bucket;
    await cloud.ok('cp', '--quiet', corpus, `s3://${bucket}/in/corpus/`);
    const run = await cloud.ok(
      ...submitArgs(
        bucket,
        'wordcount',
        'in/corpus/',
        'out/wc',
        '--splits-per-task',
        '4',
        '--wait',
        '--interval',
        '1',
      ),
    );
    const memory = sampler.stop();
    expect(memory.peak, `serverless-offline's RSS: ${JSON.stringify(memory)} KiB`).toBeLessThan(
      FUNCTIONS_BOUND_KIB,
    );
    const got = countsOf(await cloud.download(`s3://${bucket}/out/wc/`, join(tmp.dir, 'out')));
    expect(Object.fromEntries([...got].sort())).toEqual(
      Object.fromEntries([...plainWordCount(files)].sort()),
    );
    finished = /job (\S+) \(wordcount\)/.exec(run.stderr)?.[1] ?? '';
    expect(finished).not.toBe('');
  }, 240_000);

  it('keeps its executions across a restart: a finished one as it was, a running one ABORTED', async () => {
    if (!cloud) throw new Error('the first test did not start the cloud');
    const started = await cloud.ok(
      ...submitArgs(cloud.bucket, 'wordcount', 'in/corpus/', 'out/wc2', '--splits-per-task', '1'),
    );
    interrupted = /job (\S+) \(wordcount\)/.exec(started.stderr)?.[1] ?? '';
    await new Promise((done) => setTimeout(done, 1500));
    const stopped = await cloud.stop();
    expect(stopped.code).toBe(0);

    cloud = await startOfflineCloudChild(dataDir);
    const listed = JSON.parse((await cloud.ok('list', '--json')).stdout) as {
      name: string;
      status: string;
    }[];
    expect(listed.filter((e) => e.name === finished || e.name === interrupted)).toEqual([
      expect.objectContaining({ name: interrupted, status: 'ABORTED' }),
      expect.objectContaining({ name: finished, status: 'SUCCEEDED' }),
    ]);
    const status = await cloud.ok('status', finished);
    // Every partition of its reduce stage done, as the status line of a finished stage says.
    expect(status.stdout + status.stderr).toMatch(/reduce +(\d+)\/\1 partitions? .*tasks: \d+ done/);

    const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:stepmr-dev-jobs:${name}`;
    const described = JSON.parse(
      await awsCli(cloud.env, 'stepfunctions', 'describe-execution', '--execution-arn', arn(interrupted)),
    ) as { status: string; error: string; cause: string };
    expect(described).toMatchObject({ status: 'ABORTED', error: 'StepmrOffline.Stopped' });
    expect(described.cause).toMatch(/offline cloud stopped \(Ctrl-C\)/);
    const history = JSON.parse(
      await awsCli(cloud.env, 'stepfunctions', 'get-execution-history', '--execution-arn', arn(finished)),
    ) as { events: { type: string }[] };
    expect(history.events.at(-1)?.type).toBe('ExecutionSucceeded');
    // The name of a kept execution cannot be used again, as on AWS.
    const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:stepmr-dev-jobs';
    await expect(
      awsCli(
        cloud.env,
        'stepfunctions',
        'start-execution',
        '--state-machine-arn',
        machine,
        '--name',
        finished,
      ),
    ).rejects.toThrow(/ExecutionAlreadyExists/);
  }, 240_000);

  it('says which part died and why, and exits non-zero', async () => {
    if (!cloud) throw new Error('the earlier tests did not start the cloud');
    process.kill(functionsPid(cloud), 'SIGKILL');
    const stopped = await cloud.exited();
    cloud = undefined;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/serverless-offline \(the functions\) died: killed by SIGKILL/);
    expect(stopped.stderr).toMatch(/its last lines:\n {2}\| /);
  }, 60_000);
});
