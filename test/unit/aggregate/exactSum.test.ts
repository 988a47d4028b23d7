import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addSums,
  count,
  fields,
  max,
  mean,
  min,
  roundSum,
  type SumState,
  sum,
} from '../../../framework/index.js';

/** x's exact value as an integer number of 2^-1074 units, by doubling until whole. */
function exactUnits(x: number): bigint {
  let y = x;
  let k = 0;
  while (!Number.isInteger(y)) {
    y *= 2;
    k++;
  }
  return BigInt(y) * 2n ** BigInt(1074 - k);
}

/** The float nearest `units × 2^-1074`, through its exact decimal expansion and the parser. */
function nearest(units: bigint): number {
  const negative = units < 0n;
  const digits = ((negative ? -units : units) * 5n ** 1074n).toString().padStart(1075, '0');
  const text = `${digits.slice(0, -1074)}.${digits.slice(-1074)}`;
  const value = Number.parseFloat(text);
  return negative ? -value : value;
}

/** The reference: the exact sum of finite floats, rounded once. */
function exactSum(values: readonly number[]): number {
  const value = nearest(values.reduce((a, v) => a + exactUnits(v), 0n));
  return value === 0 ? 0 : value;
}

/** Every kind of float: ordinary, huge, tiny and subnormal, exact negations for cancellation. */
const float = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double({ min: 1e300, max: Number.MAX_VALUE, noNaN: true }),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 970, 2 ** -1074, 0.1, 1e16, 1),
  fc.double({ min: -1e-300, max: 1e-300, noNaN: true }),
);
const floats = fc
  .array(float, { maxLength: 40 })
  .chain((xs) => fc.subarray(xs).map((ys) => [...xs, ...ys.map((y) => -y)]));

/** Sums `values` as a job would: in random groups, combined (some twice), then reduced. */
function grouped(values: readonly number[], cuts: readonly number[]): number {
  const groups: SumState[][] = [[]];
  values.forEach((v, i) => {
    if (cuts.includes(i)) groups.push([]);
    groups.at(-1)?.push(v);
  });
  const combined = groups.map((g) => sum.combine('k', g));
  const twice =
    cuts.length % 2 === 0 ? combined : [sum.combine('k', combined.slice(0, 2)), ...combined.slice(2)];
  return sum.reduce('k', twice);
}

/** Floats and one permutation of them. */
const permuted = floats.chain((values) =>
  fc.tuple(
    fc.constant(values),
    fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length }),
  ),
);

describe('sum', () => {
  it('is the exact sum rounded once, for any grouping and order', () => {
    fc.assert(
      fc.property(permuted, fc.array(fc.nat(80)), ([values, order], cuts) => {
        const expected = exactSum(values);
        const got = grouped(order, cuts);
        expect(Object.is(got, expected), `${got} !== ${expected}`).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds ties to even and keeps totals that pass the float range on the way', () => {
    const cases: number[][] = [
      [1, 2 ** -53], // a tie: stays 1
      [1, 2 ** -53, 2 ** -1074], // just past the tie: up
      [Number.MAX_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE], // passes 2^1024 and comes back
      [Number.MAX_VALUE, 2 ** 970], // exactly the tie at the top: Infinity
      [Number.MAX_VALUE, 2 ** 970, -(2 ** -1074)], // just under it: MAX_VALUE
      [0.1, 0.2, 0.3, -0.6],
      [1e100, 1, -1e100],
    ];
    for (const values of cases) {
      for (const order of [values, [...values].reverse()]) {
        expect(Object.is(sum.reduce('k', [sum.combine('k', order)]), exactSum(values))).toBe(true);
        expect(Object.is(sum.reduce('k', order), exactSum(values))).toBe(true);
      }
    }
    expect(sum.reduce('k', [Number.MAX_VALUE, 2 ** 970])).toBe(Number.POSITIVE_INFINITY);
    expect(sum.reduce('k', [1, 2 ** -53])).toBe(1);
  });

  it('ends with NaN or an infinity as IEEE addition does, whatever the grouping', () => {
    expect(sum.reduce('k', [1, Number.POSITIVE_INFINITY, sum.combine('k', [2, 3])])).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(
      sum.reduce('k', [sum.combine('k', [Number.POSITIVE_INFINITY, 1]), Number.NEGATIVE_INFINITY]),
    ).toBeNaN();
    expect(sum.reduce('k', [Number.NaN, 1])).toBeNaN();
  });

  it('differs from a plain + where + depends on the grouping', () => {
    const values = [0.1, 0.2, 0.3];
    expect(0.1 + 0.2 + 0.3).not.toBe(0.1 + (0.2 + 0.3));
    expect(sum.reduce('k', [sum.combine('k', [0.1, 0.2]), 0.3])).toBe(
      sum.reduce('k', [0.1, sum.combine('k', [0.2, 0.3])]),
    );
    expect(roundSum(addSums(values))).toBe(exactSum(values));
  });

  it('survives a JSON-like round trip of its state (what the shuffle carries)', () => {
    fc.assert(
      fc.property(floats, (values) => {
        const state = sum.combine('k', values);
        const copy = JSON.parse(JSON.stringify(state)) as SumState;
        expect(Object.is(sum.reduce('k', [copy]), exactSum(values))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('count, min, max, mean, fields', () => {
  it('count sums whole counts and refuses anything else, saying what it got', () => {
    expect(count.reduce('k', [count.combine('k', [1, 1, 1]), 2])).toBe(5);
    expect(() => count.combine('k', [1, 0.5])).toThrow(/count got a number with a fraction/);
    expect(() => count.combine('k', [Number.MAX_SAFE_INTEGER, 2])).toThrow(/passed 2\^53/);
  });

  it('min, max and mean give the same bits for any grouping', () => {
    fc.assert(
      fc.property(fc.array(float, { minLength: 1, maxLength: 30 }), fc.nat(30), (values, cut) => {
        const at = cut % values.length;
        const parts = [values.slice(0, at), values.slice(at)].filter((p) => p.length > 0);
        const expectedMin = [...values].sort((a, b) => a - b)[0] as number;
        expect(
          min.reduce(
            'k',
            parts.map((p) => min.combine('k', p)),
          ),
        ).toBe(expectedMin === 0 ? 0 : expectedMin);
        const expectedMax = [...values].sort((a, b) => b - a)[0] as number;
        expect(
          max.reduce(
            'k',
            parts.map((p) => max.combine('k', p)),
          ),
        ).toBe(expectedMax === 0 ? 0 : expectedMax);
        const m = mean.reduce(
          'k',
          parts.map((p) => mean.combine('k', p)),
        );
        expect(Object.is(m, mean.reduce('k', [...values].reverse()))).toBe(true);
        expect(Object.is(m, exactSum(values) / values.length)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('give 0, never -0, for a key whose values are all zeros', () => {
    for (const helper of [sum, mean, min, max]) expect(Object.is(helper.reduce('k', [-0]), 0)).toBe(true);
  });

  it('fields aggregates each field with its own helper', () => {
    const traffic = fields({ requests: count, bytes: sum, slowest: max });
    const a = traffic.combine('k', [
      { requests: 1, bytes: 0.1, slowest: 3 },
      { requests: 1, bytes: 0.2, slowest: 9 },
    ]);
    const out = traffic.reduce('k', [a, { requests: 2, bytes: 0.3, slowest: 4 }]);
    expect(out).toEqual({ requests: 4, bytes: exactSum([0.1, 0.2, 0.3]), slowest: 9 });
  });
});
