import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  type ApiServer,
  type RegisteredStateMachine,
  type RequestHandler,
  startStepFunctionsServer,
} from '../../../../framework/engine/http/stepFunctionsApi.js';
import { Engine, type EngineOptions } from '../../../../framework/engine/index.js';
import { ACCOUNT, FakeInvoker, fn, type Handler, REGION } from '../support/fakes.js';
import { MemoryStore } from '../support/memoryStore.js';

export const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };

/** The ARN of a registered test state machine. */
export const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

/** Doubles `$.n` with function `double`, or fails with Bad.Input when `$.fail` is true. */
export const DOUBLE = {
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.fail', IsPresent: true },
            { Variable: '$.fail', BooleanEquals: true },
          ],
          Next: 'Boom',
        },
      ],
      Default: 'Double',
    },
    Double: { Type: 'Task', Resource: fn('double'), End: true },
    Boom: { Type: 'Fail', Error: 'Bad.Input', Cause: 'asked to fail' },
  },
};

/** One task, function `block`, that runs until the test lets it go or the execution stops. */
export const BLOCK = {
  StartAt: 'Block',
  States: { Block: { Type: 'Task', Resource: fn('block'), End: true } },
};

/** A Distributed Map stage: items of `$.key` in bucket `$.bucket` (JSON Lines), two per task. */
function mapStage(label: string | undefined, next: string) {
  return {
    Type: 'Map',
    ...(label ? { Label: label } : {}),
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
    },
    ItemBatcher: { MaxItemsPerBatch: 2 },
    MaxConcurrency: 1,
    ToleratedFailurePercentage: 50,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
      StartAt: 'Square',
      States: { Square: { Type: 'Task', Resource: fn('square'), End: true } },
    },
    ResultPath: '$.map',
    Next: next,
  };
}

/**
 * A job shaped like stepmr's: a Distributed Map over items (function `square` on batches of
 * two), a second Distributed Map over `$.partitions` (function `part`), then `commit`.
 */
export function jobDefinition(label?: string) {
  return {
    StartAt: 'Map',
    States: {
      Map: mapStage(label, 'Reduce'),
      Reduce: {
        Type: 'Map',
        ItemsPath: '$.partitions',
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Part',
          States: { Part: { Type: 'Task', Resource: fn('part'), End: true } },
        },
        ResultPath: '$.reduce',
        Next: 'Commit',
      },
      Commit: {
        Type: 'Task',
        Resource: fn('commit'),
        Parameters: { 'map.$': '$.map', 'reduce.$': '$.reduce' },
        End: true,
      },
    },
  };
}

/** Epoch ms that grow by one at every reading, so executions have distinct start dates. */
export function tickingClock(start = Date.parse('2024-01-01T00:00:00.000Z')) {
  let now = start;
  return () => ++now;
}

export interface Api {
  readonly engine: Engine;
  readonly invoker: FakeInvoker;
  readonly data: MemoryStore;
  readonly server: ApiServer;
  readonly sfn: SFNClient;
  /** The state machines the API serves. */
  readonly stateMachines: readonly RegisteredStateMachine[];
  close(): Promise<void>;
}

/**
 * An engine over fake functions and an in-memory bucket `data`, behind the Step Functions API
 * on a local port, with state machines `double`, `block`, `job` and `labelled` (the job with
 * its Map stage labelled `Shards`) and any `machines` more, and a real SFNClient for it.
 */
export async function startApi(
  handlers: Record<string, Handler>,
  options: {
    engine?: Partial<EngineOptions>;
    fallback?: RequestHandler;
    machines?: Record<string, object>;
  } = {},
): Promise<Api> {
  const invoker = new FakeInvoker(handlers);
  const data = new MemoryStore('data');
  const engine = new Engine({
    invoker,
    stores: (bucket) => {
      if (bucket !== 'data') throw new Error(`no bucket ${bucket}`);
      return data;
    },
    deps: { now: tickingClock() },
    ...options.engine,
  });
  const machines = {
    double: DOUBLE,
    block: BLOCK,
    job: jobDefinition(),
    labelled: jobDefinition('Shards'),
    ...options.machines,
  };
  const stateMachines = Object.entries(machines).map(([name, definition]) => ({
    name,
    arn: machineArn(name),
    definition,
  }));
  const server = await startStepFunctionsServer({
    engine,
    stateMachines,
    creationDate: new Date('2023-06-01T00:00:00.000Z'),
    ...(options.fallback ? { fallback: options.fallback } : {}),
  });
  const sfn = new SFNClient({ endpoint: server.endpoint, region: REGION, credentials: CREDENTIALS });
  return {
    engine,
    invoker,
    data,
    server,
    sfn,
    stateMachines,
    async close() {
      sfn.destroy();
      await server.close();
    },
  };
}

/**
 * One Step Functions API call as raw AWS JSON 1.0, for checking the wire form of a response:
 * the parsed body, its HTTP status and its error type.
 */
export async function rawCall(
  endpoint: string,
  operation: string,
  input: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'X-Amz-Target': `AWSStepFunctions.${operation}`,
      'Content-Type': 'application/x-amz-json-1.0',
    },
    body: JSON.stringify(input),
  });
  return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
}

/** Waits until `ready()` holds, checking every few milliseconds. */
export async function waitFor(ready: () => boolean): Promise<void> {
  while (!ready()) await delay(2);
}

/** DescribeExecution until the execution has ended. */
export async function untilDone(
  sfn: SFNClient,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await delay(2);
  }
}

/** A function that runs until its execution is stopped, or until `release()` is called. */
export function blocker() {
  const waiting: (() => void)[] = [];
  const handler: Handler = (payload: unknown, { options }) =>
    new Promise((resolve, reject) => {
      waiting.push(() => resolve({ released: payload }));
      options?.signal?.addEventListener('abort', () => reject(new Error('stopped')));
    });
  return {
    handler,
    get waiting() {
      return waiting.length;
    },
    release() {
      for (const go of waiting.splice(0)) go();
    },
  };
}
