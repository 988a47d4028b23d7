import { describe, expect, it } from 'vitest';
import { InvalidExecutionInputError } from '../../../framework/engine/errors.js';
import { jsonBytes } from '../../../framework/engine/limits.js';
import { fn, runAsl, testEngine } from './support/fakes.js';

const LIMIT = 1000;
/** A string whose JSON text is exactly `bytes` bytes. */
const sized = (bytes: number) => 'x'.repeat(bytes - 2);

describe('payload limits', () => {
  it('measures UTF-8 bytes of the JSON text', () => {
    expect(jsonBytes({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(jsonBytes(sized(LIMIT))).toBe(LIMIT);
  });

  it('a state output over the limit fails with States.DataLimitExceeded; at the limit it passes', async () => {
    const { engine } = testEngine({}, { limits: { payloadBytes: LIMIT } });
    const pass = (bytes: number) => ({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Result: sized(bytes), End: true } },
    });
    expect((await runAsl(engine, pass(LIMIT))).status).toBe('SUCCEEDED');
    const over = await runAsl(engine, pass(LIMIT + 1));
    expect([over.status, over.error]).toEqual(['FAILED', 'States.DataLimitExceeded']);
  });

  it('a task result over the limit fails even when ResultSelector would shrink it, and States.ALL does not catch it', async () => {
    const { engine } = testEngine({ big: () => sized(LIMIT + 1) }, { limits: { payloadBytes: LIMIT } });
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: fn('big'),
          ResultPath: null,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    };
    const execution = await runAsl(engine, definition);
    expect(execution.error).toBe('States.DataLimitExceeded');
  });

  it('States.DataLimitExceeded can be caught by its own name', async () => {
    const { engine } = testEngine({ big: () => sized(LIMIT + 1) }, { limits: { payloadBytes: LIMIT } });
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: fn('big'),
          Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', Result: 'caught', End: true },
      },
    };
    expect((await runAsl(engine, definition)).output).toBe('caught');
  });

  it('the effective input of a task (after Parameters) is limited too', async () => {
    const { engine, invoker } = testEngine({ f: () => 1 }, { limits: { payloadBytes: LIMIT } });
    const definition = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: fn('f'), Parameters: { 'a.$': '$.s', 'b.$': '$.s' }, End: true },
      },
    };
    const execution = await runAsl(engine, definition, { s: sized(600) });
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(invoker.calls).toHaveLength(0);
  });

  it('an execution input over the limit is refused by startExecution', () => {
    const { engine } = testEngine({}, { limits: { payloadBytes: LIMIT } });
    const definition = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    expect(() => engine.startExecution({ definition, input: sized(LIMIT + 1) })).toThrow(
      InvalidExecutionInputError,
    );
    expect(() => engine.startExecution({ definition, input: sized(LIMIT) })).not.toThrow();
    expect(() => engine.startExecution({ definition, input: { f: 1n } })).toThrow(InvalidExecutionInputError);
  });
});
