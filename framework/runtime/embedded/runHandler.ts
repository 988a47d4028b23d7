import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isMainThread, type MessagePort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { CompiledModules } from '../compileUserModules.js';
import { enableCodeCache } from '../userCache.js';

/** The handlers a worker can run, by the function's short name: those the deployed functions run. */
export const HANDLER_NAMES = ['map', 'reduce', 'delegate', 'collect'] as const;

/** The short name of a handler a worker can run. */
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** One invocation sent to a worker. */
export interface WorkerRequest {
  readonly handler: HandlerName;
  readonly functionName: string;
  readonly payload: unknown;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /**
   * Told `'received'` as soon as a worker takes the invocation (its init phase begins: loading
   * the handlers and the job), then `'started'` once the handler is loaded and about to run:
   * the function's timeout counts from then, as Lambda's does. Time spent waiting for a free
   * worker is neither.
   */
  readonly started?: MessagePort;
}

/**
 * What a worker tells of an invocation it took, on {@link WorkerRequest.started}.
 *
 * @example
 * ```ts
 * port.on('message', (phase: WorkerPhase) => console.log(phase === 'started' ? 'running' : 'initialising'));
 * ```
 */
export type WorkerPhase = 'received' | 'started';

/** What a worker sends back: the response as JSON text, or the function's error. */
export type WorkerResponse =
  | { readonly ok: true; readonly json: string }
  | {
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      readonly trace: string[];
    };

type Handler = (event: unknown, context: Context) => Promise<unknown>;

type Handlers = Awaited<ReturnType<typeof import('./embeddedHandlers.js').loadHandlers>>;

/** What the pool hands each worker: the run's TypeScript modules, compiled by the planning thread. */
export interface WorkerData {
  readonly userModules?: CompiledModules;
}

/**
 * The handlers; then, in a pool worker whose runtime names the run's job module
 * (`STEPMR_PRELOAD_JOB`), that module too, so the first task finds it loaded: compiled by the
 * thread that started the pool when it could be (no TypeScript loader here), else with tsx. A
 * job that fails to load fails each task that runs it, with the loading error, as before.
 */
const loadAll = async () => {
  const { loadHandlers } = await import('./embeddedHandlers.js');
  const handlers = await loadHandlers();
  const modules = isMainThread ? undefined : (workerData as WorkerData | null)?.userModules;
  if (modules) (await import('../userModules.js')).useCompiledModules(modules);
  const job = isMainThread ? undefined : process.env.STEPMR_PRELOAD_JOB;
  if (job) {
    const { loadJobModule } = await import('../loadJob.js');
    await loadJobModule(job).catch(() => undefined);
  }
  return handlers;
};

// A pool worker compiles what it loads from V8's code cache where it can, as the CLI does.
if (!isMainThread) enableCodeCache();
// A pool worker loads the handlers as soon as it starts, while the job is being planned, rather
// than at its first task.
let handlers: Promise<Handlers> | undefined = isMainThread ? undefined : loadAll();
// A failure to load is reported by the first task instead.
handlers?.catch(() => undefined);

/**
 * Resolves when this pool worker has loaded its handlers and preloaded its job (failed or not):
 * when it is ready for its first task.
 *
 * @example
 * ```ts
 * await workerReady(); // in a worker thread, as bench/workerStart.ts times it
 * ```
 */
export async function workerReady(): Promise<void> {
  await handlers?.catch(() => undefined);
}

async function load(name: HandlerName): Promise<Handler> {
  handlers ??= loadAll();
  return (await handlers)[name] as Handler;
}

/**
 * Runs one Lambda handler inside a pool worker with a Lambda-like context, and returns its
 * response as JSON (so the caller can enforce the 6 MB response limit) or its error.
 *
 * @example
 * ```ts
 * const res = await runHandler({ handler: 'map', functionName: 'stepmr-local-map', payload, timeoutMs: 900_000, memoryMb: 1024 });
 * ```
 */
export async function runHandler(request: WorkerRequest): Promise<WorkerResponse> {
  let deadline = Date.now() + request.timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: request.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: request.functionName,
    memoryLimitInMB: String(request.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${request.functionName}`,
    logStreamName: fileURLToPath(import.meta.url),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } satisfies Context;
  const tell = (phase: WorkerPhase) => request.started?.postMessage(phase);
  tell('received');
  try {
    const handler = await load(request.handler);
    deadline = Date.now() + request.timeoutMs;
    tell('started');
    request.started?.close();
    const result = await handler(request.payload, context);
    return { ok: true, json: JSON.stringify(result ?? null) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      errorType: e.name || 'Error',
      errorMessage: e.message,
      trace: (e.stack ?? '').split('\n').slice(1, 20),
    };
  }
}
