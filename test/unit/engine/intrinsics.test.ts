import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../framework/engine/errors.js';
import { evaluateIntrinsic } from '../../../framework/engine/intrinsics/evaluate.js';
import { parseIntrinsic } from '../../../framework/engine/intrinsics/parser.js';
import { tokenize } from '../../../framework/engine/intrinsics/tokenizer.js';
import { DEFAULT_LIMITS } from '../../../framework/engine/limits.js';
import { runAsl, testEngine } from './support/fakes.js';

const env = { random: () => 0.25, limits: DEFAULT_LIMITS };
const data = {
  name: 'Arnav',
  template: 'Hello, my name is {}.',
  json: '{"foo": "bar", "n": [1, 2]}',
  obj: { foo: 'bar' },
  list: [1, 2, 3, 4, 5],
  dup: [1, '1', 1, { a: 1 }, { a: 1 }, 2],
  a: 5,
  b: -2,
};
const run = (source: string, input: unknown = data) =>
  evaluateIntrinsic(parseIntrinsic(source), input, { Execution: { Name: 'e1' } }, env);
const failure = expect.objectContaining({ error: 'States.IntrinsicFailure' });

describe('intrinsic tokenizer and parser', () => {
  it('tokenizes names, strings with escapes, numbers, literals and paths', () => {
    const tokens = tokenize("States.Format('a\\'b\\{\\}', -1.5e2, true, null, $.x[0], $$.Execution.Name)");
    expect(tokens.map((t) => t.kind)).toEqual([
      'name',
      '(',
      'string',
      ',',
      'number',
      ',',
      'literal',
      ',',
      'literal',
      ',',
      'path',
      ',',
      'path',
      ')',
    ]);
    expect(tokens[2]).toMatchObject({ value: "a'b{}", raw: "a\\'b\\{\\}" });
    expect(tokens[4]).toMatchObject({ value: -150 });
    expect(tokens[10]).toMatchObject({ text: '$.x[0]' });
  });

  it('keeps commas and parentheses inside bracketed paths', () => {
    const call = parseIntrinsic("States.Array($.list[?(@ > 1)], $['a,b'])");
    expect(call.args).toEqual([
      { kind: 'path', path: '$.list[?(@ > 1)]' },
      { kind: 'path', path: "$['a,b']" },
    ]);
  });

  it('parses nested calls', () => {
    expect(run("States.ArrayGetItem(States.StringSplit('a.b.c', '.'), 2)")).toBe('c');
  });

  it('rejects bad syntax and unknown functions with a DefinitionError', () => {
    for (const bad of [
      'States.Nope(1)',
      'States.Array(1',
      "States.Array('x)",
      "States.Format('a\\b')",
      'States.Array(1) extra',
    ]) {
      expect(() => parseIntrinsic(bad), bad).toThrow(DefinitionError);
    }
  });
});

describe('intrinsic functions', () => {
  it('States.Format', () => {
    expect(run("States.Format('Hello, my name is {}.', $.name)")).toBe('Hello, my name is Arnav.');
    expect(run('States.Format($.template, $.name)')).toBe('Hello, my name is Arnav.');
    expect(run("States.Format('{} {} {} {}', 1, true, null, $.obj)")).toBe('1 true null {"foo":"bar"}');
    expect(run("States.Format('\\{}{}\\}', 'x')")).toBe('{}x}');
    expect(() => run("States.Format('{} {}', 1)")).toThrow(failure);
  });

  it('States.StringToJson and States.JsonToString', () => {
    expect(run('States.StringToJson($.json)')).toEqual(JSON.parse(data.json));
    expect(run('States.JsonToString($.obj)')).toBe(JSON.stringify(data.obj));
    expect(() => run("States.StringToJson('{nope')")).toThrow(failure);
  });

  it('States.Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique', () => {
    expect(run("States.Array($.a, 'x', States.Array())")).toEqual([5, 'x', []]);
    const chunks: number[][] = [];
    for (let i = 0; i < data.list.length; i += 2) chunks.push(data.list.slice(i, i + 2));
    expect(run('States.ArrayPartition($.list, 2)')).toEqual(chunks);
    expect(run('States.ArrayContains($.list, 3)')).toBe(true);
    expect(run('States.ArrayContains($.dup, $.obj)')).toBe(false);
    expect(run('States.ArrayRange(1, 9, 2)')).toEqual([1, 3, 5, 7, 9]);
    expect(run('States.ArrayRange(5, 1, -2)')).toEqual([5, 3, 1]);
    expect(run('States.ArrayGetItem($.list, 4)')).toBe(5);
    expect(run('States.ArrayLength($.list)')).toBe(data.list.length);
    expect(run('States.ArrayUnique($.dup)')).toEqual([1, '1', { a: 1 }, 2]);
    expect(() => run('States.ArrayRange(0, 1000, 1)')).toThrow(failure);
    expect(run('States.ArrayLength(States.ArrayRange(1, 1000, 1))')).toBe(1000);
    expect(() => run('States.ArrayPartition($.list, 0)')).toThrow(failure);
    expect(() => run('States.ArrayGetItem($.list, 5)')).toThrow(failure);
    expect(() => run('States.ArrayLength($.a)')).toThrow(failure);
  });

  it('States.JsonMerge is shallow; deep merging is refused', () => {
    const a = { x: { p: 1 }, y: 1 };
    const b = { x: { q: 2 }, z: 3 };
    expect(run('States.JsonMerge($.a, $.b, false)', { a, b })).toEqual({ ...a, ...b });
    expect(() => run('States.JsonMerge($.a, $.b, true)', { a, b })).toThrow(failure);
  });

  it('States.MathAdd rounds to integers; States.MathRandom stays in [start, end)', () => {
    expect(run('States.MathAdd($.a, $.b)')).toBe(3);
    expect(run('States.MathAdd(1.5, 1)')).toBe(3);
    expect(() => run('States.MathAdd(2147483647, 1)')).toThrow(failure);
    expect(run('States.MathRandom(10, 20)')).toBe(10 + Math.floor(0.25 * 10));
    for (let seed = 0; seed < 50; seed++) {
      const value = run(`States.MathRandom(1, 4, ${seed})`) as number;
      expect(value).toBeGreaterThanOrEqual(1);
      expect(value).toBeLessThan(4);
      expect(run(`States.MathRandom(1, 4, ${seed})`)).toBe(value);
    }
  });

  it('States.StringSplit splits on any of the delimiter characters and drops empty parts', () => {
    expect(run("States.StringSplit('This.is+a,test=string', '.+,=')")).toEqual([
      'This',
      'is',
      'a',
      'test',
      'string',
    ]);
    expect(run("States.StringSplit('a,,b,', ',')")).toEqual(['a', 'b']);
  });

  it('States.UUID gives a v4 UUID', () => {
    expect(run('States.UUID()')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('States.Hash, States.Base64Encode, States.Base64Decode', () => {
    for (const [alg, node] of [
      ['MD5', 'md5'],
      ['SHA-1', 'sha1'],
      ['SHA-256', 'sha256'],
      ['SHA-384', 'sha384'],
      ['SHA-512', 'sha512'],
    ]) {
      expect(run(`States.Hash($.name, '${alg}')`)).toBe(
        createHash(node as string)
          .update('Arnav')
          .digest('hex'),
      );
    }
    expect(() => run("States.Hash($.name, 'SHA-3')")).toThrow(failure);
    expect(run("States.Base64Encode('Data to encode')")).toBe(
      Buffer.from('Data to encode').toString('base64'),
    );
    expect(run("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')")).toBe('Data to encode');
    expect(() => run('States.Base64Encode($.long)', { long: 'x'.repeat(10_001) })).toThrow(failure);
  });

  it('a path argument that selects nothing fails with States.Runtime', () => {
    expect(() => run('States.ArrayLength($.missing)')).toThrow(
      expect.objectContaining({ error: 'States.Runtime' }),
    );
  });
});

describe('intrinsics inside a state machine', () => {
  it('an IntrinsicFailure fails the execution when nothing catches it', async () => {
    const { engine } = testEngine({});
    const definition = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'x.$': 'States.StringToJson($.s)' }, End: true } },
    };
    const execution = await runAsl(engine, definition, { s: 'not json' });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.IntrinsicFailure');
  });
});
