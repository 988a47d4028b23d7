import { describe, expect, it } from 'vitest';
import { StateMachines } from '../../../framework/engine/http/stateMachines.js';
import { DefinitionError, validateDefinition } from '../../../framework/engine/index.js';
import { compilePath } from '../../../framework/engine/paths.js';
import { aslAccepts, fn, runAsl, testEngine } from './support/fakes.js';

type J = Record<string, unknown>;
const one = (state: J, top: J = {}) => ({ ...top, StartAt: 'S', States: { S: state } });
const task = (extra: J) => ({ Type: 'Task', Resource: fn('f'), End: true, ...extra });
const inline = { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } };
const distributed = { ...inline, ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } };
const reader = { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' } };
const choice = (rule: J) => ({
  StartAt: 'C',
  States: { C: { Type: 'Choice', Choices: [{ ...rule, Next: 'D' }] }, D: { Type: 'Succeed' } },
});

/** startExecution's verdict: the DefinitionError message, or undefined when accepted. */
function refusal(definition: object): string | undefined {
  const { engine } = testEngine({});
  try {
    // Accepted: stop it at once, so that a definition that loops cannot hang the test.
    void engine.startExecution({ definition }).stop();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return (error as Error).message;
  }
}

describe('paths start with exactly $ or $$, then ".", "[" or the end', () => {
  it('accepts the path forms of the language', () => {
    for (const path of ['$', '$$', '$.a', '$[0]', "$['a b'].c", '$..a', '$$.Execution.Id', '$.a[*].b']) {
      expect(() => compilePath(path), path).not.toThrow();
    }
  });

  // Before the fix "$myVar.b" was read as "$.b" and "$r" as "$": the wrong data, silently.
  it.each([
    ['Parameters', one({ Type: 'Pass', Parameters: { 'v.$': '$myVar.b' }, End: true }), '$myVar'],
    ['ResultPath', one({ Type: 'Pass', ResultPath: '$r', End: true }), '$r'],
    ['InputPath', one({ Type: 'Pass', InputPath: '$in', End: true }), '$in'],
    ['OutputPath', one({ Type: 'Succeed', OutputPath: '$out.a' }), '$out'],
    ['Variable', choice({ Variable: '$flag', BooleanEquals: true }), '$flag'],
    ['NumericLessThanPath', choice({ Variable: '$.n', NumericLessThanPath: '$limit' }), '$limit'],
    ['ErrorPath', one({ Type: 'Fail', ErrorPath: '$error' }), '$error'],
    [
      'Parameters',
      one({ Type: 'Pass', Parameters: { 'v.$': "States.Format('{}', $who)" }, End: true }),
      '$who',
    ],
    ['ResultSelector', one(task({ ResultSelector: { 'p.$': '$payload' } })), '$payload'],
    [
      'Catch[0].ResultPath',
      one(task({ Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$e', Next: 'S' }] })),
      '$e',
    ],
    ['HeartbeatSecondsPath', one(task({ HeartbeatSecondsPath: '$hb' })), '$hb'],
    ['ItemsPath', one({ Type: 'Map', ItemsPath: '$items', ItemProcessor: inline, End: true }), '$items'],
    [
      'MaxConcurrencyPath',
      one({ Type: 'Map', MaxConcurrencyPath: '$n', ItemProcessor: inline, End: true }),
      '$n',
    ],
    [
      'ItemBatcher.MaxItemsPerBatchPath',
      one({
        Type: 'Map',
        ItemReader: reader,
        ItemBatcher: { MaxItemsPerBatchPath: '$size' },
        ItemProcessor: distributed,
        End: true,
      }),
      '$size',
    ],
  ])('refuses a $name reference in %s, naming the state and the field', (field, definition, variable) => {
    const message = refusal(definition);
    const state = Object.keys(definition.States)[0];
    expect(message).toContain(`state "${state}": field "${field}": `);
    expect(message).toContain(`refers to the workflow variable "${variable}"`);
    expect(message).toContain('not supported by the embedded engine');
  });

  it.each(['a.b', '$-a', '$$$', ' $.a'])('refuses %j as not a JSONPath', (path) => {
    expect(refusal(one({ Type: 'Pass', InputPath: path, End: true }))).toMatch(
      /field "InputPath": .* is not a JSONPath: a path starts with "\$"/,
    );
  });

  it('the spelling the message suggests runs and reads the input', async () => {
    const { engine } = testEngine({});
    const definition = one({ Type: 'Pass', Parameters: { 'v.$': '$.myVar.b' }, End: true });
    const execution = await runAsl(engine, definition, { myVar: { b: 7 }, b: 1 });
    expect(execution.output).toEqual({ v: 7 });
  });
});

// asl-validator is an independent reading of the language: it accepts what is Amazon States
// Language but not run here, and rejects what the language does not define.
const cases: [string, object, RegExp, boolean | undefined][] = [
  [
    'Credentials',
    one(task({ Credentials: { RoleArn: 'r' } })),
    /state "S": field "Credentials" is not supported by the embedded engine/,
    true,
  ],
  [
    'Assign on a state',
    one({ Type: 'Pass', Assign: { x: 1 }, End: true }),
    /state "S": field "Assign" is not supported by the embedded engine: workflow variables/,
    true,
  ],
  [
    'Assign on a Choice rule',
    choice({ Variable: '$.n', NumericEquals: 1, Assign: { x: 1 } }),
    /state "C": field "Assign" is not supported/,
    true,
  ],
  [
    'Assign on a catcher',
    one(task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'S', Assign: { x: 1 } }] })),
    /state "S": Catch\[0\]: field "Assign" is not supported/,
    true,
  ],
  [
    'QueryLanguage JSONata (machine)',
    one({ Type: 'Pass', End: true }, { QueryLanguage: 'JSONata' }),
    /"QueryLanguage" JSONata is not supported by the embedded engine/,
    true,
  ],
  [
    'QueryLanguage JSONata (state)',
    one({ Type: 'Pass', QueryLanguage: 'JSONata', End: true }),
    /state "S": "QueryLanguage" JSONata is not supported/,
    true,
  ],
  [
    'Output in a JSONPath state',
    one({ Type: 'Pass', Output: { x: 1 }, End: true }),
    /state "S": field "Output" belongs to JSONata states.*use OutputPath/,
    false,
  ],
  [
    'Arguments in a JSONPath state',
    one(task({ Arguments: { FunctionName: 'f' } })),
    /state "S": field "Arguments" belongs to JSONata states.*use Parameters/,
    false,
  ],
  [
    'Items in a JSONPath state',
    one({ Type: 'Map', Items: [1], ItemProcessor: inline, End: true }),
    /state "S": field "Items" belongs to JSONata states.*use ItemsPath/,
    false,
  ],
  [
    'ToleratedFailureCount on an inline Map',
    one({ Type: 'Map', ToleratedFailureCount: 1, ItemProcessor: inline, End: true }),
    /state "S": "ToleratedFailureCount" is only valid in a Distributed Map/,
    true,
  ],
  [
    'ToleratedFailurePercentage on an inline Map',
    one({ Type: 'Map', ToleratedFailurePercentage: 5, ItemProcessor: inline, End: true }),
    /"ToleratedFailurePercentage" is only valid in a Distributed Map/,
    true,
  ],
  [
    'ItemReader on an inline Map',
    one({ Type: 'Map', ItemReader: reader, ItemProcessor: inline, End: true }),
    /"ItemReader" is only valid in a Distributed Map/,
    true,
  ],
  [
    'ItemBatcher on an inline Map',
    one({ Type: 'Map', ItemBatcher: { MaxItemsPerBatch: 2 }, ItemProcessor: inline, End: true }),
    /"ItemBatcher" is only valid in a Distributed Map/,
    true,
  ],
  [
    'ResultWriter on an inline Map',
    one({
      Type: 'Map',
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } },
      ItemProcessor: inline,
      End: true,
    }),
    /"ResultWriter" is only valid in a Distributed Map/,
    true,
  ],
  [
    'a misspelt field',
    one({ Type: 'Pass', Rerty: [], End: true }),
    /state "S": unknown field "Rerty": the Amazon States Language defines no such field for a Pass state/,
    false,
  ],
  [
    'InputPath on a Fail state',
    one({ Type: 'Fail', InputPath: '$.a', Error: 'E' }),
    /state "S": unknown field "InputPath".* for a Fail state/,
    false,
  ],
  [
    'Result on a Task',
    one(task({ Result: 1 })),
    /state "S": unknown field "Result".* for a Task state/,
    false,
  ],
  [
    'an unknown top-level field',
    one({ Type: 'Pass', End: true }, { Timeout: 5 }),
    /definition: unknown field "Timeout".* for a state machine/,
    false,
  ],
  [
    'a misspelt retrier field',
    one(task({ Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempt: 1 }] })),
    /state "S": Retry\[0\]: unknown field "MaxAttempt"/,
    undefined,
  ],
  [
    'TimeoutSeconds in a Parallel branch',
    one({ Type: 'Parallel', Branches: [{ ...inline, TimeoutSeconds: 5 }], End: true }),
    /in Branches\[0\] of state "S": unknown field "TimeoutSeconds"/,
    undefined,
  ],
  [
    'two operators in a Choice rule',
    choice({ Variable: '$.n', NumericEquals: 1, NumericLessThan: 3 }),
    /state "C": a Choice rule needs exactly one of And, Or, Not or a comparison operator/,
    false,
  ],
  [
    'a string operand of NumericEquals',
    choice({ Variable: '$.n', NumericEquals: '1' }),
    /state "C": "NumericEquals" takes a number/,
    false,
  ],
  [
    'an operator the language lacks',
    choice({ Variable: '$.b', BooleanLessThan: true }),
    /state "C": unknown field "BooleanLessThan"/,
    false,
  ],
  [
    'Condition in a JSONPath Choice rule',
    choice({ Condition: '{% $states.input.n > 1 %}' }),
    /state "C": field "Condition" belongs to JSONata states.*use "Variable" with a comparison operator/,
    false,
  ],
  [
    'Next in a nested Choice rule',
    choice({ Not: { Variable: '$.n', IsNull: true, Next: 'D' } }),
    /state "C": a nested Choice rule .* cannot have "Next"/,
    undefined,
  ],
  [
    'TimeoutSeconds with TimeoutSecondsPath',
    one(task({ TimeoutSeconds: 1, TimeoutSecondsPath: '$.t' })),
    /state "S": "TimeoutSeconds" and "TimeoutSecondsPath" cannot both be given/,
    false,
  ],
  [
    'InputType MANIFEST',
    one({
      Type: 'Map',
      ItemReader: { ...reader, ReaderConfig: { InputType: 'MANIFEST' } },
      ItemProcessor: distributed,
      End: true,
    }),
    /state "S": "InputType" MANIFEST is not supported by the embedded engine/,
    undefined,
  ],
  [
    'OutputType JSONL',
    one({
      Type: 'Map',
      ItemReader: reader,
      ResultWriter: { WriterConfig: { OutputType: 'JSONL', Transformation: 'NONE' } },
      ItemProcessor: distributed,
      End: true,
    }),
    /state "S": "OutputType" JSONL is not supported by the embedded engine/,
    undefined,
  ],
];

describe('fields: what the engine does not run is refused, never ignored', () => {
  it.each(cases)('refuses %s', (_, definition, message, asl) => {
    expect(refusal(definition)).toMatch(message);
    if (asl !== undefined) expect(aslAccepts(definition)).toBe(asl);
  });

  it('"not supported" is said only of valid ASL, "unknown field" only of what ASL lacks', () => {
    for (const [what, definition, , asl] of cases) {
      const message = refusal(definition) as string;
      if (asl === true) expect(message, what).not.toContain('unknown field');
      if (/unknown field/.test(message) && asl !== undefined) expect(asl, what).toBe(false);
    }
  });

  it('the Offline API refuses such a definition when the state machine is registered', () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:jobs';
    const definition = one(task({ Credentials: { RoleArn: 'r' } }));
    expect(() => new StateMachines([{ name: 'jobs', arn, definition }], new Date())).toThrow(
      /state "S": field "Credentials" is not supported by the embedded engine/,
    );
  });

  it('accepts every field it runs, on every state type', () => {
    const definition = {
      Comment: 'c',
      Version: '1.0',
      TimeoutSeconds: 60,
      QueryLanguage: 'JSONPath',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          Comment: 'c',
          QueryLanguage: 'JSONPath',
          InputPath: '$',
          OutputPath: '$',
          Parameters: { a: 1 },
          ResultPath: '$.p',
          Next: 'T',
        },
        T: task({
          End: undefined,
          Next: 'C',
          ResultSelector: { 'x.$': '$' },
          TimeoutSeconds: 5,
          HeartbeatSeconds: 5,
          Retry: [
            {
              ErrorEquals: ['States.ALL'],
              IntervalSeconds: 1,
              MaxAttempts: 2,
              BackoffRate: 2,
              MaxDelaySeconds: 3,
              JitterStrategy: 'FULL',
              Comment: 'r',
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Next: 'F', Comment: 'c' }],
        }),
        C: {
          Type: 'Choice',
          Choices: [{ Not: { Variable: '$.p.a', IsNull: true }, Next: 'W', Comment: 'c' }],
          Default: 'F',
        },
        W: { Type: 'Wait', Seconds: 0, Next: 'M' },
        M: {
          Type: 'Map',
          ItemsPath: '$.xs',
          ItemSelector: { 'v.$': '$$.Map.Item.Value' },
          MaxConcurrency: 2,
          ItemProcessor: { ...inline, Comment: 'c', ProcessorConfig: { Mode: 'INLINE' } },
          ResultPath: null,
          Next: 'B',
        },
        B: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'Y', States: { Y: { Type: 'Pass', End: true } }, Comment: 'c' }],
          ResultPath: null,
          Next: 'D',
        },
        D: { Type: 'Succeed', InputPath: '$', OutputPath: '$' },
        F: { Type: 'Fail', Error: 'E', CausePath: '$.e.Cause' },
      },
    };
    expect(aslAccepts(definition)).toBe(true);
    expect(() => validateDefinition(definition)).not.toThrow();
  });
});
