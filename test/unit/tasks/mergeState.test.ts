import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Key } from '../../../framework/job/types.js';
import { compareEncoded, encodeKey } from '../../../framework/shuffle/index.js';
import { mergeState } from '../../../framework/tasks/mergeState.js';

const byKey = (a: Key, b: Key) => compareEncoded(encodeKey(a), encodeKey(b));
const sorted = (m: Map<string, number>) => [...m.keys()].sort(byKey);

async function* groupsOf(keys: string[], values: Map<string, number[]>) {
  for (const key of keys) yield { key: key as Key, values: values.get(key) ?? [] };
}

async function merged(state: Map<string, number>, fresh: Map<string, number[]>) {
  const lines = sorted(state).map((key) => `${JSON.stringify({ key, value: state.get(key) })}\n`);
  const out = new Map<string, number>();
  const order: string[] = [];
  for await (const group of mergeState(
    groupsOf([...fresh.keys()].sort(byKey), fresh),
    Readable.from(lines.join('')),
    'file:///state/part-00000.jsonl',
  )) {
    const values = group.values as number[];
    out.set(group.key as string, group.carried ? (values[0] ?? 0) : values.reduce((a, b) => a + b, 0));
    order.push(group.key as string);
  }
  return { out, order };
}

describe('mergeState', () => {
  it('folds each key of the previous state with its new values, carries the rest, in key order', async () => {
    const table = fc.dictionary(fc.string({ maxLength: 4 }), fc.integer({ min: -50, max: 50 }));
    const news = fc.dictionary(
      fc.string({ maxLength: 4 }),
      fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(table, news, async (t, n) => {
        const state = new Map(Object.entries(t));
        const fresh = new Map(Object.entries(n));
        // The plain way: the old totals plus the sums of the new values.
        const want = new Map(state);
        for (const [key, values] of fresh)
          want.set(key, (want.get(key) ?? 0) + values.reduce((a, b) => a + b, 0));
        const { out, order } = await merged(state, fresh);
        expect(out).toEqual(want);
        expect(order).toEqual([...want.keys()].sort(byKey));
      }),
    );
  });

  it('refuses a state part out of key order, which another partitioner wrote', async () => {
    const body = `${JSON.stringify({ key: 'b', value: 1 })}\n${JSON.stringify({ key: 'a', value: 2 })}\n`;
    const run = async () => {
      for await (const _ of mergeState(
        groupsOf([], new Map()),
        Readable.from(body),
        'file:///s/part-00001.jsonl',
      ));
    };
    await expect(run()).rejects.toThrow(/part-00001.jsonl line 2 is out of key order/);
  });
});
