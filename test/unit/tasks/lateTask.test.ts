import { afterEach, describe, expect, it } from 'vitest';
import { collectTask, stopJobWork } from '../../../framework/tasks/collectTask.js';
import { mapTask } from '../../../framework/tasks/mapTask.js';
import { listKeys, makeText, type TaskEnv, taskEnv, wordcount } from './support.js';

/**
 * A job can end while one of its tasks still runs: a failed Map Run's other tasks go on (on
 * Lambda as in the embedded runtime) while the Abort step cleans up, and `stepmr stop` does not
 * wait for running tasks. Whatever such a task writes afterwards must not be left behind.
 */

let env: TaskEnv | undefined;
afterEach(() => env?.cleanup());

const inputs = () => ({ 'a.txt': makeText(11, 200), 'b.txt': makeText(12, 200) });

describe('a task that finishes after its job ended', () => {
  it('after the Abort: its shuffle object is removed, and it fails saying why', async () => {
    env = await taskEnv(wordcount, inputs(), { splitSize: 2048 });
    const [first, second] = env.splits;
    if (!first || !second) throw new Error('the plan has fewer than two splits');
    await mapTask({ BatchInput: env.ref, Items: [first] }, env.deps);
    // The Abort runs while the task maps: after it read the plan, before it writes.
    const { deps, ref } = env;
    const aborting = {
      ...deps,
      loadJob: async (module: string) => {
        await collectTask({ action: 'abort', ...ref }, deps);
        return deps.loadJob(module);
      },
    };
    await expect(mapTask({ BatchInput: env.ref, Items: [second] }, aborting)).rejects.toMatchObject({
      name: 'JobStoppedError',
      message: expect.stringContaining('removed what it wrote'),
    });
    expect(await listKeys(env.work, env.ref.prefix)).toEqual([]);
  });

  it('after the Abort: a task that starts then writes nothing, naming the plan it cannot read', async () => {
    env = await taskEnv(wordcount, inputs(), { splitSize: 2048 });
    const [first] = env.splits;
    if (!first) throw new Error('the plan has no split');
    await collectTask({ action: 'abort', ...env.ref }, env.deps);
    await expect(mapTask({ BatchInput: env.ref, Items: [first] }, env.deps)).rejects.toMatchObject({
      name: 'TaskInputError',
      message: expect.stringContaining(`cannot read the plan of job ${env.ref.jobId}`),
    });
    expect(await listKeys(env.work, env.ref.prefix)).toEqual([]);
  });

  it('after stepmr stop: its shuffle object is removed; the plan and the mark stay', async () => {
    env = await taskEnv(wordcount, inputs(), { splitSize: 2048 });
    const [first, second] = env.splits;
    if (!first || !second) throw new Error('the plan has fewer than two splits');
    await mapTask({ BatchInput: env.ref, Items: [first] }, env.deps);
    await stopJobWork(env.work, env.ref);
    const kept = await listKeys(env.work, env.ref.prefix);
    expect(kept.map((k) => k.slice(env?.ref.prefix.length))).toEqual(['job.json', 'stopped.json']);

    await expect(mapTask({ BatchInput: env.ref, Items: [second] }, env.deps)).rejects.toMatchObject({
      name: 'JobStoppedError',
    });
    expect(await listKeys(env.work, env.ref.prefix)).toEqual(kept);
  });

  it('while the job runs on: what it wrote stays', async () => {
    env = await taskEnv(wordcount, inputs(), { splitSize: 2048 });
    const result = await mapTask({ BatchInput: env.ref, Items: env.splits }, env.deps);
    expect(await listKeys(env.work, env.ref.prefix)).toContain(result.shuffle?.key);
  });
});
