import { describe, expect, it } from 'vitest';
import { fn, functionError, runAsl, serviceError, testEngine } from './support/fakes.js';

const invoke = (payload: unknown, extra: Record<string, unknown> = {}) => ({
  StartAt: 'Call',
  States: {
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('f'), Payload: payload },
      End: true,
      ...extra,
    },
  },
});
const bare = { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: fn('f'), End: true } } };

describe('arn:aws:states:::lambda:invoke', () => {
  it('passes Payload and returns { ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode }', async () => {
    const { engine, invoker } = testEngine({ f: (p: { x: number }) => ({ got: p.x }) });
    const execution = await runAsl(engine, invoke({ 'x.$': '$.x' }), { x: 7 });
    expect(invoker.calls).toEqual([{ arn: fn('f'), payload: { x: 7 } }]);
    expect(execution.output).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { got: 7 },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
  });

  it('accepts a function name and builds the ARN in the engine region and account', async () => {
    const { engine, invoker } = testEngine({ f: () => 1 });
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'f', Payload: {} },
          End: true,
        },
      },
    };
    await runAsl(engine, definition);
    expect(invoker.calls[0]?.arn).toBe(fn('f'));
  });

  it('a function error fails with Error = errorType and Cause = the error JSON', async () => {
    const { engine } = testEngine({
      f: () => {
        throw functionError('ValidationError', 'bad record');
      },
    });
    const execution = await runAsl(engine, invoke({}));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ValidationError');
    expect(JSON.parse(execution.cause as string)).toEqual({
      errorType: 'ValidationError',
      errorMessage: 'bad record',
      trace: ['ValidationError: bad record'],
    });
  });

  it('a function timeout (Sandbox.Timedout from the invoker) surfaces with that name; no errorType is Lambda.Unknown', async () => {
    const { engine, invoker } = testEngine({});
    invoker.invoke = async () => ({
      payload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' },
      functionError: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' },
      responseBytes: 80,
    });
    const timedOut = await runAsl(engine, invoke({}));
    expect([timedOut.error, timedOut.cause]).toEqual([
      'Sandbox.Timedout',
      JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' }),
    ]);
    invoker.invoke = async () => ({
      payload: { errorMessage: 'Out of memory' },
      functionError: { errorType: '', errorMessage: 'Out of memory' },
      responseBytes: 30,
    });
    const unknown = await runAsl(engine, invoke({}));
    expect(unknown.error).toBe('Lambda.Unknown');
  });

  it('service failures keep their Step Functions names and can be retried', async () => {
    let calls = 0;
    const { engine } = testEngine({
      f: () => {
        calls++;
        if (calls === 1) throw serviceError('Lambda.TooManyRequestsException', 'Rate Exceeded.');
        if (calls === 2) throw serviceError('Lambda.ServiceException', 'Internal');
        return 'done';
      },
    });
    const retry = [
      { ErrorEquals: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException'], IntervalSeconds: 1 },
    ];
    const execution = await runAsl(engine, invoke({}, { Retry: retry, OutputPath: '$.Payload' }));
    expect(execution.output).toBe('done');
    expect(calls).toBe(3);
    const failing = testEngine({
      f: () => {
        throw serviceError('Lambda.AWSLambdaException', 'boom');
      },
    });
    const failed = await runAsl(failing.engine, invoke({}));
    expect([failed.error, failed.cause]).toEqual(['Lambda.AWSLambdaException', 'boom']);
  });

  it('an invoker error without a Step Functions name becomes Lambda.SdkClientException', async () => {
    const { engine, invoker } = testEngine({});
    invoker.invoke = async () => {
      throw new TypeError('socket hang up');
    };
    const execution = await runAsl(engine, invoke({}));
    expect([execution.error, execution.cause]).toEqual(['Lambda.SdkClientException', 'socket hang up']);
  });

  it('a response over the Lambda limit fails with Function.ResponseSizeTooLarge', async () => {
    const { engine, invoker } = testEngine({ f: () => 'small' }, { limits: { lambdaResponseBytes: 100 } });
    invoker.responseBytes = () => 101;
    const execution = await runAsl(engine, invoke({}));
    expect(execution.error).toBe('Function.ResponseSizeTooLarge');
    expect(JSON.parse(execution.cause as string).errorMessage).toContain('(100 bytes)');
    invoker.responseBytes = () => 100;
    expect((await runAsl(engine, invoke({}))).status).toBe('SUCCEEDED');
  });
});

describe('a Lambda function ARN as Resource', () => {
  it('invokes with the effective input and returns the payload itself', async () => {
    const { engine, invoker } = testEngine({ f: (p: { n: number }) => ({ n: p.n + 1 }) });
    const execution = await runAsl(engine, bare, { n: 1 });
    expect(invoker.calls[0]?.payload).toEqual({ n: 1 });
    expect(execution.output).toEqual({ n: 2 });
  });

  it('function errors have the same shape', async () => {
    const { engine } = testEngine({
      f: () => {
        throw functionError('Oops', 'no');
      },
    });
    const execution = await runAsl(engine, bare);
    expect(execution.error).toBe('Oops');
    expect(JSON.parse(execution.cause as string)).toMatchObject({ errorType: 'Oops', errorMessage: 'no' });
  });

  it('a missing function is Lambda.ResourceNotFoundException from the invoker', async () => {
    const { engine } = testEngine({});
    const execution = await runAsl(engine, bare);
    expect(execution.error).toBe('Lambda.ResourceNotFoundException');
  });
});
