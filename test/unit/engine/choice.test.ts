import { describe, expect, it } from 'vitest';
import type { ChoiceRule } from '../../../framework/engine/asl.js';
import { evaluateRule, parseTimestamp } from '../../../framework/engine/choice.js';
import { runAsl, testEngine } from './support/fakes.js';

const input = {
  s: 'banana',
  n: 10,
  f: 2.5,
  t: true,
  nil: null,
  ts: '2024-03-01T12:00:00Z',
  later: '2024-03-01T13:00:00+01:00',
  other: { s: 'apple', n: 10, ts: '2024-01-01T00:00:00Z', t: true },
  star: 'log*.txt',
};
const check = (rule: ChoiceRule) => evaluateRule(rule, input, {});

describe('Choice operators', () => {
  it('string comparisons compare UTF-16 code units; wrong types are false', () => {
    expect(check({ Variable: '$.s', StringEquals: 'banana' })).toBe(true);
    expect(check({ Variable: '$.s', StringLessThan: 'cherry' })).toBe('banana' < 'cherry');
    expect(check({ Variable: '$.s', StringGreaterThan: 'Banana' })).toBe('banana' > 'Banana');
    expect(check({ Variable: '$.s', StringLessThanEquals: 'banana' })).toBe(true);
    expect(check({ Variable: '$.s', StringGreaterThanEquals: 'banana' })).toBe(true);
    expect(check({ Variable: '$.n', StringEquals: '10' })).toBe(false);
    expect(check({ Variable: '$.s', StringGreaterThanPath: '$.other.s' })).toBe(true);
    expect(check({ Variable: '$.s', StringEqualsPath: '$.other.s' })).toBe(false);
  });

  it('numeric comparisons', () => {
    expect(check({ Variable: '$.n', NumericEquals: 10 })).toBe(true);
    expect(check({ Variable: '$.f', NumericLessThan: 3 })).toBe(true);
    expect(check({ Variable: '$.f', NumericGreaterThan: 2.5 })).toBe(false);
    expect(check({ Variable: '$.f', NumericGreaterThanEquals: 2.5 })).toBe(true);
    expect(check({ Variable: '$.n', NumericLessThanEquals: 9 })).toBe(false);
    expect(check({ Variable: '$.n', NumericEqualsPath: '$.other.n' })).toBe(true);
    expect(check({ Variable: '$.f', NumericLessThanPath: '$.n' })).toBe(true);
    expect(check({ Variable: '$.s', NumericEquals: 10 })).toBe(false);
  });

  it('boolean comparisons', () => {
    expect(check({ Variable: '$.t', BooleanEquals: true })).toBe(true);
    expect(check({ Variable: '$.t', BooleanEqualsPath: '$.other.t' })).toBe(true);
    expect(check({ Variable: '$.n', BooleanEquals: true })).toBe(false);
  });

  it('timestamp comparisons compare instants, across offsets', () => {
    expect(parseTimestamp(input.later)).toBe(Date.parse(input.ts));
    expect(check({ Variable: '$.ts', TimestampEquals: '2024-03-01T12:00:00Z' })).toBe(true);
    expect(check({ Variable: '$.ts', TimestampEqualsPath: '$.later' })).toBe(true);
    expect(check({ Variable: '$.ts', TimestampGreaterThanPath: '$.other.ts' })).toBe(true);
    expect(check({ Variable: '$.ts', TimestampLessThan: '2024-03-01T12:00:01Z' })).toBe(true);
    expect(check({ Variable: '$.ts', TimestampGreaterThanEquals: '2024-03-01T12:00:00Z' })).toBe(true);
    expect(check({ Variable: '$.ts', TimestampLessThanEquals: '2024-02-01T00:00:00Z' })).toBe(false);
    expect(check({ Variable: '$.s', TimestampEquals: '2024-03-01T12:00:00Z' })).toBe(false);
  });

  it('type tests and IsPresent', () => {
    expect(check({ Variable: '$.nil', IsNull: true })).toBe(true);
    expect(check({ Variable: '$.n', IsNull: false })).toBe(true);
    expect(check({ Variable: '$.missing', IsPresent: false })).toBe(true);
    expect(check({ Variable: '$.s', IsPresent: true })).toBe(true);
    expect(check({ Variable: '$.s', IsString: true })).toBe(true);
    expect(check({ Variable: '$.f', IsNumeric: true })).toBe(true);
    expect(check({ Variable: '$.t', IsBoolean: true })).toBe(true);
    expect(check({ Variable: '$.ts', IsTimestamp: true })).toBe(true);
    expect(check({ Variable: '$.s', IsTimestamp: true })).toBe(false);
    expect(check({ Variable: '$.n', IsString: false })).toBe(true);
  });

  it('StringMatches: * is a wildcard, \\* a literal star', () => {
    const rule = (value: string, pattern: string) =>
      evaluateRule({ Variable: '$.v', StringMatches: pattern }, { v: value }, {});
    expect(rule('log-2024.txt', 'log*.txt')).toBe(true);
    expect(rule('log.txt', 'log*.txt')).toBe(true);
    expect(rule('log.csv', 'log*.txt')).toBe(false);
    expect(rule('a*b', 'a\\*b')).toBe(true);
    expect(rule('axb', 'a\\*b')).toBe(false);
    expect(rule('a.b', 'a.b')).toBe(true);
    expect(rule('axb', 'a.b')).toBe(false);
  });

  it('And, Or, Not nest', () => {
    expect(
      check({
        And: [
          { Variable: '$.n', NumericGreaterThan: 5 },
          { Not: { Variable: '$.s', StringEquals: 'apple' } },
        ],
      }),
    ).toBe(true);
    expect(
      check({
        Or: [
          { Variable: '$.n', NumericLessThan: 5 },
          { Variable: '$.t', BooleanEquals: false },
        ],
      }),
    ).toBe(false);
  });

  it('a Variable that selects nothing is a States.Runtime error', () => {
    expect(() => check({ Variable: '$.missing', StringEquals: 'x' })).toThrow(
      expect.objectContaining({ error: 'States.Runtime' }),
    );
  });
});

describe('Choice state', () => {
  const definition = {
    StartAt: 'Pick',
    States: {
      Pick: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.n', NumericGreaterThan: 100, Next: 'Big' },
          {
            And: [
              { Variable: '$.n', IsNumeric: true },
              { Variable: '$.n', NumericGreaterThan: 10 },
            ],
            Next: 'Medium',
          },
        ],
        Default: 'Small',
      },
      Big: { Type: 'Pass', Result: 'big', End: true },
      Medium: { Type: 'Pass', Result: 'medium', End: true },
      Small: { Type: 'Pass', Result: 'small', End: true },
    },
  };

  it('takes the first matching rule, else Default', async () => {
    const { engine } = testEngine({});
    for (const [n, expected] of [
      [500, 'big'],
      [50, 'medium'],
      [5, 'small'],
    ] as const) {
      expect((await runAsl(engine, definition, { n })).output).toBe(expected);
    }
  });

  it('without a match and a Default, fails with States.NoChoiceMatched', async () => {
    const { engine } = testEngine({});
    const noDefault = {
      StartAt: 'Pick',
      States: {
        Pick: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Done' }] },
        Done: { Type: 'Succeed' },
      },
    };
    const execution = await runAsl(engine, noDefault, { n: 2 });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.NoChoiceMatched');
  });
});
