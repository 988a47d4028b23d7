import { describe, expect, it } from 'vitest';
import { MISSING, readPath } from '../../../framework/engine/paths.js';
import { applyResultPath } from '../../../framework/engine/resultPath.js';
import { fn, runAsl, testEngine } from './support/fakes.js';

describe('readPath', () => {
  const data = { a: { b: [10, 20, { c: 'x' }] }, 'odd key': 1, list: [{ v: 1 }, { v: 2 }, { v: 3 }] };

  it('reads definite paths, dot and bracket forms', () => {
    expect(readPath('$', data, {})).toBe(data);
    expect(readPath('$.a.b[1]', data, {})).toBe(20);
    expect(readPath('$.a.b[2].c', data, {})).toBe('x');
    expect(readPath("$['odd key']", data, {})).toBe(1);
    expect(readPath('$$.Execution.Name', data, { Execution: { Name: 'run1' } })).toBe('run1');
  });

  it('returns MISSING for what is not there, and never walks the prototype', () => {
    expect(readPath('$.nope', data, {})).toBe(MISSING);
    expect(readPath('$.a.b[9]', data, {})).toBe(MISSING);
    expect(readPath('$.a.toString', data, {})).toBe(MISSING);
  });

  it('returns all matches for wildcards and filters', () => {
    expect(readPath('$.list[*].v', data, {})).toEqual([1, 2, 3]);
    expect(readPath('$.list[?(@.v > 1)].v', data, {})).toEqual([2, 3]);
    expect(readPath('$.list[0:2].v', data, {})).toEqual([1, 2]);
  });
});

describe('applyResultPath', () => {
  it('replaces, discards, or places the result without mutating the input', () => {
    const input = { a: { keep: 1 }, b: 2 };
    const frozen = structuredClone(input);
    expect(applyResultPath(input, 'r', '$')).toBe('r');
    expect(applyResultPath(input, 'r', null)).toBe(input);
    expect(applyResultPath(input, 'r', '$.a.new')).toEqual({ a: { keep: 1, new: 'r' }, b: 2 });
    expect(applyResultPath(input, 'r', '$.x.y.z')).toEqual({ a: { keep: 1 }, b: 2, x: { y: { z: 'r' } } });
    expect(input).toEqual(frozen);
  });

  it('fails with States.ResultPathMatchFailure on a non-object input', () => {
    expect(() => applyResultPath('text', 1, '$.a')).toThrow(
      expect.objectContaining({ error: 'States.ResultPathMatchFailure' }),
    );
    expect(() => applyResultPath({ a: 5 }, 1, '$.a.b')).toThrow(
      expect.objectContaining({ error: 'States.ResultPathMatchFailure' }),
    );
  });
});

describe('input and output processing, in AWS order', () => {
  it('Pass: InputPath → Parameters → ResultPath → OutputPath', async () => {
    const { engine } = testEngine({});
    const definition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          InputPath: '$.in',
          Parameters: {
            'sum.$': 'States.MathAdd($.x, $.y)',
            'name.$': '$$.Execution.Name',
            fixed: { deep: true },
          },
          ResultPath: '$.out',
          OutputPath: '$.out',
          End: true,
        },
      },
    };
    const input = { in: { x: 2, y: 3 }, other: 1 };
    const execution = engine.startExecution({ definition, input, name: 'exec-1' });
    await execution.done;
    expect(execution.output).toEqual({ sum: 5, name: 'exec-1', fixed: { deep: true } });
  });

  it('Task: Parameters → result → ResultSelector → ResultPath (into the raw input) → OutputPath', async () => {
    const { engine, invoker } = testEngine({
      double: (p: { n: number }) => ({ value: p.n * 2, noise: 'x' }),
    });
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          InputPath: '$.args',
          Parameters: { FunctionName: fn('double'), Payload: { 'n.$': '$.n' } },
          ResultSelector: { 'doubled.$': '$.Payload.value', 'status.$': '$.StatusCode' },
          ResultPath: '$.args.result',
          OutputPath: '$.args',
          End: true,
        },
      },
    };
    const input = { args: { n: 21 }, untouched: true };
    const execution = await runAsl(engine, definition, input);
    expect(invoker.calls[0]?.payload).toEqual({ n: 21 });
    expect(execution.output).toEqual({ n: 21, result: { doubled: 42, status: 200 } });
  });

  it('InputPath / OutputPath null give {}; ResultPath null keeps the input', async () => {
    const { engine } = testEngine({ f: () => 'ignored' });
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', InputPath: null, ResultPath: '$.seen', Next: 'B' },
        B: { Type: 'Task', Resource: fn('f'), ResultPath: null, Next: 'C' },
        C: { Type: 'Pass', OutputPath: null, End: true },
      },
    };
    const execution = await runAsl(engine, definition, { a: 1 });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({});
  });

  it('a Parameters path that selects nothing fails the execution with States.Runtime', async () => {
    const { engine } = testEngine({});
    const definition = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'x.$': '$.missing' }, End: true } },
    };
    const execution = await runAsl(engine, definition, { a: 1 });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(execution.cause).toContain("'$.missing'");
  });

  it('the context object has Execution, StateMachine and State fields', async () => {
    const { engine } = testEngine({});
    const definition = {
      StartAt: 'Ctx',
      States: {
        Ctx: {
          Type: 'Pass',
          Parameters: {
            'id.$': '$$.Execution.Id',
            'input.$': '$$.Execution.Input',
            'sm.$': '$$.StateMachine.Id',
            'state.$': '$$.State.Name',
            'entered.$': '$$.State.EnteredTime',
          },
          End: true,
        },
      },
    };
    const execution = engine.startExecution({
      definition,
      input: { q: 1 },
      name: 'n1',
      stateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:sm`,
    });
    await execution.done;
    expect(execution.output).toEqual({
      id: 'arn:aws:states:us-east-1:123456789012:execution:sm:n1',
      input: { q: 1 },
      sm: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm',
      state: 'Ctx',
      entered: '2024-01-01T00:00:00.000Z',
    });
  });
});
