import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Engine } from '../Engine.js';
import { parseJsonBody, readBody, sendJson, sendJsonError } from './awsJson.js';
import type { ApiContext, Operation } from './context.js';
import { ApiError } from './errors.js';
import { EXECUTION_OPERATIONS } from './executionOps.js';
import type { ExecutionStore } from './executionStore.js';
import { ExecutionHistory } from './history.js';
import { listenLocally } from './listen.js';
import { REDRIVE_OPERATIONS } from './redriveOps.js';
import { RESOURCE_OPERATIONS } from './resourceOps.js';
import { type RegisteredStateMachine, StateMachines } from './stateMachines.js';

export type { RegisteredStateMachine } from './stateMachines.js';

/**
 * A request handler that may serve a request: resolves true when it answered it, false when
 * the request is not for it (so that another handler can serve it).
 *
 * @example
 * ```ts
 * const handlers: RequestHandler[] = [stepFunctionsHandler({ engine, stateMachines }), stackHandler({ stacks })];
 * ```
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** What the Step Functions API serves. */
export interface StepFunctionsApiOptions {
  readonly engine: Engine;
  /** The state machines StartExecution, DescribeStateMachine and ListStateMachines know. */
  readonly stateMachines: readonly RegisteredStateMachine[];
  /** Finished executions whose history GetExecutionHistory keeps. @default 1000 */
  readonly maxHistoryExecutions?: number;
  /** The state machines' creation date. @default now */
  readonly creationDate?: Date;
  /** Where executions are kept across restarts (with a `StoredEngine` as `engine`). @default none */
  readonly store?: ExecutionStore;
}

/** The Step Functions request handler; `close()` stops recording execution histories. */
export type StepFunctionsHandler = RequestHandler & { close(): void };

const TARGET_PREFIX = 'AWSStepFunctions.';
const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...EXECUTION_OPERATIONS,
  ...RESOURCE_OPERATIONS,
  ...REDRIVE_OPERATIONS,
};

/**
 * The AWS Step Functions API (AWS JSON 1.0: `POST /`, `X-Amz-Target: AWSStepFunctions.<Operation>`)
 * over an {@link Engine}: StartExecution, DescribeExecution, StopExecution, ListExecutions,
 * GetExecutionHistory, DescribeMapRun, ListMapRuns, ListStateMachines, DescribeStateMachine,
 * RedriveExecution, DescribeStateMachineForExecution.
 * Errors are AWS's (`ExecutionDoesNotExist`, `InvalidArn`, …), which the SDK raises as its
 * typed exceptions; other operations are `UnknownOperationException`. Requests are not
 * authenticated. Resolves false for a request without a Step Functions target. The handler
 * records histories from the engine's events from the moment it is made; `close()` stops that.
 *
 * @example
 * ```ts
 * const handle = stepFunctionsHandler({ engine, stateMachines: [{ name, arn, definition }] });
 * createServer((req, res) => void handle(req, res).then((served) => served || res.writeHead(404).end()));
 * ```
 */
export function stepFunctionsHandler(options: StepFunctionsApiOptions): StepFunctionsHandler {
  const machines = new StateMachines(options.stateMachines, options.creationDate ?? new Date());
  const ctx: ApiContext = {
    engine: options.engine,
    machines,
    history: new ExecutionHistory(options.engine, machines, options.maxHistoryExecutions),
  };
  const detachStore = options.store?.attach(options.engine, ctx.history);
  const handle: RequestHandler = async (req, res) => {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return false;
    try {
      if (req.method !== 'POST') throw new ApiError('UnknownOperationException', 'Use POST.', 404);
      const name = target.slice(TARGET_PREFIX.length);
      const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
      if (!operation) {
        throw new ApiError('UnknownOperationException', `Operation ${name} is not served by this endpoint.`);
      }
      const input = parseJsonBody(await readBody(req));
      sendJson(res, 200, await operation(ctx, input));
    } catch (error) {
      sendJsonError(res, error);
    }
    return true;
  };
  return Object.assign(handle, {
    close: () => {
      ctx.history.close();
      detachStore?.();
    },
  });
}

/** A running HTTP server of the offline cloud. */
export interface ApiServer {
  /** `http://<host>:<port>`, for the SDK clients' `endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves requests with the first handler that takes them; 404 when none does.
 *
 * @example
 * ```ts
 * const server = await serveHandlers([stepFunctionsHandler(options), stackHandler({ stacks })]);
 * ```
 */
export async function serveHandlers(
  handlers: readonly RequestHandler[],
  options: { port?: number; host?: string } = {},
): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(async (req, res) => {
    try {
      for (const handler of handlers) if (await handler(req, res)) return;
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end(`No API here serves ${req.method} ${req.url}\n`);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`Internal error: ${(error as Error).message}\n`);
    }
  });
  return listenLocally(server, options.port ?? 0, host);
}

/**
 * Starts the Step Functions API on a local port (0: a free one). `fallback` serves requests
 * that are not Step Functions', such as CloudFormation's, on the same port.
 *
 * @example
 * ```ts
 * const sfn = await startStepFunctionsServer({ engine, stateMachines });
 * const client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1' });
 * await sfn.close();
 * ```
 */
export async function startStepFunctionsServer(
  options: StepFunctionsApiOptions & { port?: number; host?: string; fallback?: RequestHandler },
): Promise<ApiServer> {
  const sfn = stepFunctionsHandler(options);
  const server = await serveHandlers([sfn, ...(options.fallback ? [options.fallback] : [])], {
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  return {
    endpoint: server.endpoint,
    close: async () => {
      sfn.close();
      await server.close();
    },
  };
}
