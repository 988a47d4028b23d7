import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refuseCall } from '../../../framework/deploy/delegates.js';
import { defineJob, jsonLines } from '../../../framework/index.js';
import { resolveDelegate } from '../../../framework/job/options.js';
import { callRunner } from '../../../framework/runtime/callRunner.js';
import { delegateTask } from '../../../framework/tasks/delegateTask.js';
import type { TaskDeps } from '../../../framework/tasks/deps.js';
import { workKeys } from '../../../framework/tasks/payloads.js';
import { type ScoreServer, scoreOf, startScoreServer } from '../../support/scoreServer.js';
import { type TaskEnv, taskEnv } from './support.js';

/**
 * The delegate task trusts no batch it is given: the calls.jsonl it comes from lives in the
 * bucket, so a batch may have been changed to call elsewhere. In the deployed scope it calls
 * only what stepmr.config.ts names, and refuses the whole batch before any call otherwise.
 */

let server: ScoreServer;
let env: TaskEnv | undefined;
beforeAll(async () => {
  server = await startScoreServer(0);
});
afterAll(() => server?.close());
afterEach(() => {
  env?.cleanup();
  server.requests.length = 0;
});

const job = defineJob({
  input: jsonLines<{ id: number; x: number }>(),
  delegate: (a) => ({ kind: 'http', method: 'POST', url: `${server.url}/score`, body: a }),
});
const post = (url: string, body: unknown) => ({ kind: 'http', method: 'POST', url, body });

/** A planned delegate job, and task deps whose scope allows only the scoring server. */
async function delegateEnv(): Promise<{ env: TaskEnv; deps: TaskDeps }> {
  const made = await taskEnv(job, { 'a.jsonl': '{"id":1,"x":2}\n' });
  const key = workKeys.plan(made.ref);
  const plan = JSON.parse((await made.work.get(key)).toString());
  await made.work.put(key, JSON.stringify({ ...plan, delegate: resolveDelegate(job, {}) }));
  const scope = { ...made.deps.scope, refuseCall: (t: unknown) => refuseCall({ apis: [server.url] }, t) };
  return { env: made, deps: { ...made.deps, scope, runCalls: callRunner() } };
}

describe('delegateTask', () => {
  it('calls an allowed batch and stages one result per call', async () => {
    const made = await delegateEnv();
    env = made.env;
    const result = await delegateTask(
      { BatchInput: env.ref, Items: [{ index: 7, task: post(`${server.url}/score`, { id: 1, x: 2 }) }] },
      made.deps,
    );
    expect(result.delegate).toMatchObject({ calls: 1, ok: 1, failed: 0 });
    const part = (await env.work.get(result.part?.key ?? '')).toString();
    expect(JSON.parse(part)).toMatchObject({ index: 7, ok: true, output: { id: 1, score: scoreOf(2) } });
  });

  it('refuses a batch changed to call another host, before making any call', async () => {
    const made = await delegateEnv();
    env = made.env;
    const items = [
      { index: 0, task: post(`${server.url}/score`, { id: 1, x: 2 }) },
      { index: 1, task: post('http://169.254.169.254/latest/meta-data/iam/security-credentials/', {}) },
    ];
    await expect(delegateTask({ BatchInput: env.ref, Items: items }, made.deps)).rejects.toMatchObject({
      name: 'ForbiddenTaskInputError',
      message: expect.stringContaining('call 1 refused'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a batch with a call twice', async () => {
    const made = await delegateEnv();
    env = made.env;
    const task = post(`${server.url}/score`, { id: 1, x: 2 });
    const items = [
      { index: 3, task },
      { index: 3, task },
    ];
    await expect(delegateTask({ BatchInput: env.ref, Items: items }, made.deps)).rejects.toMatchObject({
      name: 'TaskInputError',
    });
    expect(server.requests).toHaveLength(0);
  });
});
