import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type Emit, lines } from '../../../framework/index.js';
import type { Job } from '../../../framework/job/defineJob.js';
import type { Key } from '../../../framework/job/types.js';
import { encodeKey, partitionOf } from '../../../framework/shuffle/index.js';
import { collectTask } from '../../../framework/tasks/collectTask.js';
import { TaskInputError } from '../../../framework/tasks/errors.js';
import { workKeys } from '../../../framework/tasks/payloads.js';
import { reduceTask } from '../../../framework/tasks/reduceTask.js';
import {
  groupBy,
  keyId,
  listKeys,
  makeText,
  plainEmits,
  runMapStage,
  runReduceStage,
  type TaskEnv,
  taskEnv,
  wordcount,
} from './support.js';

/** No combiner: every emitted value reaches the reducer. */
const stats = defineJob({
  input: lines(),
  map(line, emit: Emit<Key, number>) {
    line
      .split(' ')
      .filter((w) => w !== '')
      .forEach((word, i) => {
        emit(i % 2 === 0 ? word : [word.length, word.slice(-1)], word.length + i);
      });
  },
  reduce: (_key: Key, values: number[]) => ({
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    max: Math.max(...values),
  }),
});

const INPUTS = {
  'a.txt': makeText(11, 800, { distinct: 400 }),
  'b.txt': makeText(12, 600, { crlf: true, distinct: 400 }),
};

let env: TaskEnv | undefined;
afterEach(() => env?.cleanup());

/** The expected output, computed with a plain group-by over the lines each split owns. */
function expectedOutput(job: Job, e: TaskEnv): Map<string, { key: Key; value: unknown }> {
  const reduce = job.reduce as (key: Key, values: unknown[]) => unknown;
  const out = new Map<string, { key: Key; value: unknown }>();
  for (const [id, { key, values }] of groupBy(plainEmits(job, e.splits))) {
    out.set(id, { key, value: reduce(key, values) });
  }
  return out;
}

describe('reduceTask', () => {
  it.each([
    { name: 'without a combiner', job: stats as Job },
    { name: 'with a combiner', job: wordcount as Job },
  ])('merges the runs of every map task into sorted parts ($name)', async ({ job }) => {
    env = await taskEnv(job, INPUTS, { reducers: 4, splitSize: 2048, memoryBudget: 16 << 10 });
    const maps = await runMapStage(env, 3);
    expect(maps.results.length).toBeGreaterThanOrEqual(5);
    await collectTask({ action: 'prepareReduce', ...env.ref, map: maps.details }, env.deps);
    const reduces = await runReduceStage(env, 2);

    const expected = expectedOutput(job, env);
    const got = new Map<string, { key: Key; value: unknown }>();
    const parts = reduces.results.flatMap((r) => r.parts);
    expect(parts.map((p) => p.part)).toEqual([0, 1, 2, 3]);
    for (const part of parts) {
      expect(part.key).toBe(workKeys.part(env.ref, part.part));
      const body = await env.work.get(part.key);
      expect(part.bytes).toBe(body.length);
      expect(part.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      const records = body
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { key: Key; value: unknown });
      expect(part.records).toBe(records.length);
      records.forEach((r, i) => {
        expect(partitionOf(encodeKey(r.key), 4)).toBe(part.part);
        const previous = records[i - 1];
        if (previous) expect(Buffer.compare(encodeKey(previous.key), encodeKey(r.key))).toBe(-1);
        expect(got.has(keyId(r.key))).toBe(false);
        got.set(keyId(r.key), r);
      });
    }
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));
    if (!job.combine) {
      const values = reduces.results.reduce((n, r) => n + r.recordsIn, 0);
      expect(values).toBe(plainEmits(job, env.splits).length);
    }
  });

  it('writes a byte-identical part when the same task runs again', async () => {
    env = await taskEnv(stats, INPUTS, { reducers: 2, splitSize: 4096 });
    const maps = await runMapStage(env, 2);
    await collectTask({ action: 'prepareReduce', ...env.ref, map: maps.details }, env.deps);
    const event = { BatchInput: env.ref, Items: [{ partition: 1 }] };
    const first = await reduceTask(event, env.deps);
    const bytes = await env.work.get(workKeys.part(env.ref, 1));
    const second = await reduceTask(event, env.deps);
    expect(second.parts).toEqual(first.parts);
    expect((await env.work.get(workKeys.part(env.ref, 1))).equals(bytes)).toBe(true);
  });

  it('stages the same part when two attempts of one partition run at the same time', async () => {
    env = await taskEnv(stats, INPUTS, { reducers: 2, splitSize: 4096 });
    const maps = await runMapStage(env, 2);
    await collectTask({ action: 'prepareReduce', ...env.ref, map: maps.details }, env.deps);
    const event = { BatchInput: env.ref, Items: [{ partition: 0 }] };
    const alone = await reduceTask(event, env.deps);
    const bytes = await env.work.get(workKeys.part(env.ref, 0));
    const [a, b] = await Promise.all([reduceTask(event, env.deps), reduceTask(event, env.deps)]);
    expect(a.parts).toEqual(alone.parts);
    expect(b.parts).toEqual(alone.parts);
    expect((await env.work.get(workKeys.part(env.ref, 0))).equals(bytes)).toBe(true);
    expect(
      (await listKeys(env.work, `${env.ref.prefix}parts/`)).filter((k) => k.includes('part-00000')),
    ).toEqual([workKeys.part(env.ref, 0)]);
  });

  it('refuses a partition outside the plan', async () => {
    env = await taskEnv(stats, INPUTS, { reducers: 2, splitSize: 1 << 20 });
    const maps = await runMapStage(env, 4);
    await collectTask({ action: 'prepareReduce', ...env.ref, map: maps.details }, env.deps);
    const run = reduceTask({ BatchInput: env.ref, Items: [{ partition: 2 }] }, env.deps);
    await expect(run).rejects.toBeInstanceOf(TaskInputError);
    await expect(run).rejects.toThrow(/partition 2 is outside 0\.\.1/);
  });
});
