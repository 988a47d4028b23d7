import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type Emit, lines } from '../../../framework/index.js';
import type { Job } from '../../../framework/job/defineJob.js';
import { encodeKey, partitionOf } from '../../../framework/shuffle/index.js';
import { collectTask } from '../../../framework/tasks/collectTask.js';
import { UserCodeError } from '../../../framework/tasks/errors.js';
import { mapTask } from '../../../framework/tasks/mapTask.js';
import { workKeys } from '../../../framework/tasks/payloads.js';
import { reduceTask } from '../../../framework/tasks/reduceTask.js';
import {
  labelOfString,
  listKeys,
  makeText,
  ownedLines,
  runMapStage,
  type TaskEnv,
  taskEnv,
} from './support.js';

const count = (_k: string, v: number[]) => v.reduce((a, b) => a + b, 0);
const throwsOnBoom = defineJob({
  input: lines(),
  map(line, emit: Emit<string, number>) {
    if (line === 'boom') throw new TypeError('cannot handle boom');
    for (const w of line.split(' ')) if (w !== '') emit(w, 1);
  },
  reduce: count,
});
const rejectsOnBoom = defineJob({
  input: lines(),
  async map(line, emit: Emit<string, number>) {
    await Promise.resolve();
    if (line === 'boom') throw new Error('async boom');
    emit(line, 1);
  },
  reduce: count,
});
const throwsString = defineJob({
  input: lines(),
  map(line, emit: Emit<string, number>) {
    if (line === 'boom') throw 'a plain string';
    emit(line, 1);
  },
});
const reduceThrows = defineJob({
  input: lines(),
  map(line, emit: Emit<string, number>) {
    for (const w of line.split(' ')) if (w !== '') emit(w, 1);
  },
  reduce(word: string, counts: number[]) {
    if (word === 'boom') throw new RangeError(`no boom please (${counts.length})`);
    return counts.length;
  },
});
const combineThrows = defineJob({
  input: lines(),
  map(line, emit: Emit<string, number>) {
    for (const w of line.split(' ')) if (w !== '') emit(w, 1);
  },
  combine(word: string, counts: number[]) {
    if (word === 'alpha') throw new Error('combine cannot fold alpha');
    return counts.reduce((a, b) => a + b, 0);
  },
  reduce: count,
});

/** Lines of words with "boom" alone on one line in the middle. */
const BOOM_TEXT = `${makeText(31, 200)}${'\n'}boom\n${makeText(32, 100)}\n`.replace(/\n\n+/g, '\n');

let env: TaskEnv | undefined;
afterEach(() => env?.cleanup());

/** Where "boom" is, found with a plain scan of the file: its 1-based line and byte offset. */
function boomAt(e: TaskEnv) {
  const split = e.splits.find((s) => ownedLines(s).some((l) => l.line === 'boom'));
  const line = split && ownedLines(split).find((l) => l.line === 'boom');
  if (!split || !line) throw new Error('no boom line in the input');
  return { split, line };
}

describe('user code errors', () => {
  it.each([
    { name: 'a throwing map', job: throwsOnBoom as Job, cause: 'cannot handle boom' },
    { name: 'a rejecting async map', job: rejectsOnBoom as Job, cause: 'async boom' },
    { name: 'a map throwing a string', job: throwsString as Job, cause: 'a plain string' },
  ])('name the file and line of the record for $name', async ({ job, cause }) => {
    env = await taskEnv(job, { 'in.txt': BOOM_TEXT }, { splitSize: 1 << 20 });
    const { split, line } = boomAt(env);
    expect(split.start).toBe(0);
    const run = mapTask({ BatchInput: env.ref, Items: env.splits }, env.deps);
    await expect(run).rejects.toBeInstanceOf(UserCodeError);
    await expect(run).rejects.toMatchObject({ name: 'UserCodeError', retryable: false });
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(split.uri);
    expect(error.message).toContain(`line ${line.lineNo}`);
    expect(error.message).toContain(cause);
    // Nothing half-written is left at the task's output keys.
    expect(await listKeys(env.work, `${env.ref.prefix}shuffle/`)).toEqual([]);
    expect(await listKeys(env.work, `${env.ref.prefix}parts/`)).toEqual([]);
  });

  it('name the byte offset of the record when the split does not start the file', async () => {
    env = await taskEnv(throwsOnBoom, { 'in.txt': BOOM_TEXT }, { splitSize: 512 });
    const { split, line } = boomAt(env);
    expect(split.start).toBeGreaterThan(0);
    const run = mapTask({ BatchInput: env.ref, Items: [split] }, env.deps);
    await expect(run).rejects.toBeInstanceOf(UserCodeError);
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`${split.uri} byte ${line.offset}`);
    expect(error.message).toContain('cannot handle boom');
  });

  // combine runs when the buffer fills (inside an emit) or when the task finishes; either way
  // the error is the user's combine, on a key, not the record that happened to be mapped.
  it.each([1 << 20, 4096])('name the key when combine throws (budget %i)', async (budget) => {
    env = await taskEnv(combineThrows, { 'in.txt': makeText(5, 3000) }, { memoryBudget: budget });
    const run = mapTask({ BatchInput: env.ref, Items: env.splits }, env.deps);
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UserCodeError);
    expect(error.message).toContain('combine');
    expect(error.message).toContain(labelOfString('alpha'));
    expect(error.message).not.toContain('"alpha"');
    expect(error.message).toContain('combine cannot fold alpha');
    expect(error.message).toContain(env.splits[0]?.uri);
  });

  it('name the key when reduce throws, and stage no part', async () => {
    env = await taskEnv(reduceThrows, { 'in.txt': BOOM_TEXT }, { reducers: 3, splitSize: 1024 });
    const maps = await runMapStage(env, 2);
    await collectTask({ action: 'prepareReduce', ...env.ref, map: maps.details }, env.deps);
    const partition = partitionOf(encodeKey('boom'), 3);
    const run = reduceTask({ BatchInput: env.ref, Items: [{ partition }] }, env.deps);
    await expect(run).rejects.toBeInstanceOf(UserCodeError);
    const error = (await run.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(labelOfString('boom'));
    expect(error.message).not.toContain('"boom"');
    expect(error.message).toContain(`partition ${partition}`);
    expect(error.message).toContain('no boom please (1)');
    expect(await env.work.head(workKeys.part(env.ref, partition))).toBeUndefined();
    // The other partitions reduce fine.
    const other = (partition + 1) % 3;
    const ok = await reduceTask({ BatchInput: env.ref, Items: [{ partition: other }] }, env.deps);
    expect(ok.parts.map((p) => p.part)).toEqual([other]);
  });
});
