import { describe, expect, it } from 'vitest';
import { combineStepOf } from '../../../framework/aggregate/helpers.js';
import { AggregateValueError, count, max, min, sum } from '../../../framework/aggregate/index.js';

const step = combineStepOf(count.combine) as unknown as (folded: unknown, value: unknown) => number;

describe('combineStepOf', () => {
  it("folds counts one at a time to count.combine's total", () => {
    let seed = 9;
    const values = Array.from({ length: 1000 }, () => {
      seed = (seed * 16807) % 2147483647;
      return seed % 50;
    });
    let folded = values[0] as number;
    for (const v of values.slice(1)) folded = step(folded, v);
    let plain = 0;
    for (const v of values) plain += v;
    expect(folded).toBe(plain);
    expect(count.combine('k', values)).toBe(plain);
  });

  it.each([
    ['a fraction', 1, 1.5],
    ['a negative number', 2, -1],
    ['a string', 3, '1'],
    ['a string already folded', '1', 1],
    ['a total past 2^53', Number.MAX_SAFE_INTEGER, 1],
  ])('fails on %s as count.combine does', (_name, folded, value) => {
    const expected = (() => {
      try {
        count.combine('k', [folded, value] as number[]);
      } catch (error) {
        return error as Error;
      }
      throw new Error('count.combine accepted it');
    })();
    expect(expected).toBeInstanceOf(AggregateValueError);
    expect(() => step(folded, value)).toThrow(expected.message);
    expect(() => step(folded, value)).toThrow(AggregateValueError);
  });

  it.each([
    ['min', min, (xs: number[]) => xs.reduce((a, b) => (a < b || Number.isNaN(a) ? a : b))],
    ['max', max, (xs: number[]) => xs.reduce((a, b) => (a > b || Number.isNaN(a) ? a : b))],
  ] as const)(
    'folds %s one at a time to its combine’s answer, -0 as 0 and NaN winning',
    (_name, helper, plain) => {
      const fold = combineStepOf(helper.combine) as unknown as (folded: number, value: number) => number;
      let seed = 5;
      const next = () => {
        seed = (seed * 16807) % 2147483647;
        return seed;
      };
      for (let round = 0; round < 200; round++) {
        const values = Array.from({ length: 1 + (next() % 20) }, () => {
          const r = next() % 100;
          return r === 0 ? Number.NaN : r === 1 ? -0 : r === 2 ? 0 : (r - 50) / 7;
        });
        let folded = values[0] as number;
        for (const v of values.slice(1)) folded = fold(folded, v);
        const want = helper.combine('k', values);
        expect(Object.is(folded === 0 ? 0 : folded, want), `${values}`).toBe(true);
        // The plain way: the extreme by comparison, -0 as 0.
        const p = plain(values.map((v) => (v === 0 ? 0 : v)));
        expect(Object.is(want, p === 0 ? 0 : p), `${values}`).toBe(true);
      }
    },
  );

  it('gives no fold for combiners that are not one', () => {
    expect(combineStepOf(sum.combine)).toBeUndefined();
    expect(combineStepOf((_k: string, v: number[]) => v.length)).toBeUndefined();
  });
});
