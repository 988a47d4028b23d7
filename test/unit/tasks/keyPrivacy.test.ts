import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type Emit, lines } from '../../../framework/index.js';
import type { Job } from '../../../framework/job/defineJob.js';
import type { Key } from '../../../framework/job/types.js';
import { encodeKey, InvalidKeyError, partitionOf } from '../../../framework/shuffle/index.js';
import { collectTask } from '../../../framework/tasks/collectTask.js';
import { UserCodeError } from '../../../framework/tasks/errors.js';
import { mapTask } from '../../../framework/tasks/mapTask.js';
import { reduceTask } from '../../../framework/tasks/reduceTask.js';
import {
  labelOfString,
  makeText,
  ownedLines,
  runMapStage,
  type TaskEnv,
  taskEnv,
  textOf,
} from './support.js';

// Messages reach execution payloads, logs and _SUCCESS: a key that holds personal data must
// not appear in them, only its label (key#<hash>) and where the task was (split, partition).
const SECRET = 'alice.secret@example.com';
const SECRET_KEY = `user-${SECRET}`;
const sum = (_k: string, v: number[]) => v.reduce((a, b) => a + b, 0);
const words = (line: string, emit: Emit<string, number>) => {
  for (const w of line.split(' ')) if (w !== '') emit(w, 1);
};

const combineRefuses = defineJob({
  input: lines(),
  map: words,
  combine(key: string, counts: number[]) {
    if (key.includes('@')) throw new Error('combine refuses this key');
    return sum(key, counts);
  },
  reduce: sum,
});
const reduceRefuses = defineJob({
  input: lines(),
  map: words,
  reduce(key: string, counts: number[]) {
    if (key.includes('@')) throw new Error('reduce refuses this key');
    return sum(key, counts);
  },
});

/** Text with the secret key on lines of its own, spread over the input. */
function secretText(seed: number, times: number): string {
  const parts = [makeText(seed, 300)];
  for (let i = 0; i < times; i++) parts.push(`\n${SECRET_KEY}\n`, makeText(seed + i + 1, 50));
  return `${parts.join('')}\n`.replace(/\n\n+/g, '\n');
}

let env: TaskEnv | undefined;
afterEach(() => env?.cleanup());

describe('error messages name keys by label, never by content', () => {
  // With room for everything, combine runs when the task finishes; with 4 KiB, when the buffer
  // spills (inside an emit) and again when the spills merge.
  it.each([1 << 20, 4096])('when combine throws (budget %i)', async (memoryBudget) => {
    env = await taskEnv(combineRefuses, { 'in.txt': secretText(7, 40) }, { memoryBudget });
    const split = env.splits[0];
    if (!split) throw new Error('no split');
    const error = await mapTask({ BatchInput: env.ref, Items: env.splits }, env.deps).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserCodeError);
    const message = (error as Error).message;
    expect(message).toContain(`combine threw on ${labelOfString(SECRET_KEY)}: combine refuses this key`);
    expect(message).toContain(`split ${split.id}: ${split.uri} bytes ${split.start}-${split.end}`);
    expect(textOf(error)).not.toContain('.secret@');
  });

  it('when reduce throws, naming the partition', async () => {
    env = await taskEnv(reduceRefuses, { 'in.txt': secretText(8, 3) }, { reducers: 3, splitSize: 2048 });
    const maps = await runMapStage(env, 2);
    await collectTask({ action: 'prepareReduce', ...env.ref, map: maps.details }, env.deps);
    const partition = partitionOf(encodeKey(SECRET_KEY), 3);
    const error = await reduceTask({ BatchInput: env.ref, Items: [{ partition }] }, env.deps).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserCodeError);
    expect((error as Error).message).toContain(
      `reduce threw on ${labelOfString(SECRET_KEY)} (partition ${partition}): reduce refuses this key`,
    );
    expect(textOf(error)).not.toContain('.secret@');
  });
});

describe('an invalid key says what kind of value was wrong, not what it held', () => {
  const cycle = (): unknown => {
    const c: unknown[] = [SECRET];
    c.push(c);
    return c;
  };
  it.each([
    { shape: 'an object', key: () => ({ email: SECRET }), says: 'invalid key: an object is not a key type' },
    {
      shape: 'an object inside an array',
      key: () => ['user', { email: SECRET }],
      says: 'invalid key (an array of 2 elements): an object is not a key type at [1]',
    },
    {
      shape: 'a string with a lone surrogate',
      key: () => `${SECRET}\uD800`,
      says: `invalid key: a string with a lone surrogate at character ${SECRET.length}`,
    },
    {
      shape: 'a nested string with a lone surrogate',
      key: () => ['user', [`${SECRET}\uDC00`]],
      says: `invalid key (an array of 2 elements): a string with a lone surrogate at character ${SECRET.length} at [1][0]`,
    },
    { shape: 'a cyclic array', key: cycle, says: 'invalid key: arrays nested deeper than 64 (or a cycle)' },
  ])('for $shape, naming the record that emitted it', async ({ key, says }) => {
    const job = defineJob({
      input: lines(),
      map(line, emit: Emit<Key, number>) {
        if (line === 'emit-it') emit(key() as Key, 1);
        else words(line, emit as Emit<string, number>);
      },
      reduce: sum as (k: Key, v: number[]) => number,
    });
    env = await taskEnv(job as Job, { 'in.txt': `${makeText(9, 100)}\nemit-it\n${makeText(10, 20)}\n` });
    const split = env.splits.find((s) => ownedLines(s).some((l) => l.line === 'emit-it'));
    const line = split && ownedLines(split).find((l) => l.line === 'emit-it');
    if (!split || !line) throw new Error('no emit-it line in the input');
    const error = await mapTask({ BatchInput: env.ref, Items: env.splits }, env.deps).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidKeyError);
    const message = (error as Error).message;
    expect(message).toContain(says);
    expect(message).toContain(`the record at ${split.uri} line ${line.lineNo}`);
    expect(message).toContain(`bytes ${split.start}-${split.end}`);
    expect(textOf(error)).not.toContain('.secret@');
  });
});
