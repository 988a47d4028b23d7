import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { InvokeOptions, InvokeResult, Invoker } from '../../engine/Invoker.js';
import type { CompiledModules } from '../compileUserModules.js';
import { IN_WORKER_BUNDLE } from '../workerBundle.js';
import {
  HANDLER_NAMES,
  type HandlerName,
  type WorkerData,
  type WorkerPhase,
  type WorkerRequest,
  type WorkerResponse,
} from './runHandler.js';

/**
 * A worker's module, exporting `runHandler`. Built, it is runHandler.js bundled with what it
 * imports (dist/worker/, one file and shared chunks rather than some 250 modules); from the
 * sources (tests, the bench), a launcher that first gives the thread TypeScript support.
 */
const WORKER = new URL(
  import.meta.url.endsWith('.ts')
    ? './lambdaWorker.mjs'
    : IN_WORKER_BUNDLE
      ? './runHandler.js'
      : '../../worker/runHandler.js',
  import.meta.url,
).href;

/** Options of the embedded Lambda pool. */
export interface WorkerPoolOptions {
  /** Worker threads. @default os.availableParallelism() */
  readonly threads?: number;
  /** Extra environment of the workers (merged over this process's). */
  readonly env?: Record<string, string>;
  /** Function timeout when the caller gives none, seconds. @default 900 (Lambda's maximum) */
  readonly timeoutSeconds?: number;
  /** Memory of a function, MB: the worker's heap limit, as Lambda's memory setting. @default 3008 */
  readonly memoryMb?: number;
  /**
   * Limit on a function's init phase (loading the handlers and the job), seconds, which its
   * timeout does not count. @default 10 (Lambda's)
   */
  readonly initLimitSeconds?: number;
  /** The run's TypeScript modules, compiled: the workers load them without a TypeScript loader. */
  readonly userModules?: CompiledModules;
}

/** Resolves a Lambda ARN or name to one of the deployed handlers (`…-map`, `…-reduce`, `…-collect`). */
export function handlerOf(functionArn: string): HandlerName | undefined {
  const name = functionArn.split(':').pop() ?? '';
  const short = name.split('-').pop() ?? '';
  return (HANDLER_NAMES as readonly string[]).includes(short) ? (short as HandlerName) : undefined;
}

class LambdaServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The embedded runtime's Lambda: a piscina pool of worker threads, each loading the same
 * handlers that are deployed. An invocation waits for a free worker untimed, as a throttled
 * one does; a function past its timeout (counted from when its handler runs, after an init
 * phase with its own limit) has its worker terminated and fails with `Sandbox.Timedout`; a
 * worker that runs out of its memory fails the invocation with `Runtime.OutOfMemory`, one that
 * dies otherwise with `Runtime.ExitError`; the pool replaces lost workers.
 *
 * @example
 * ```ts
 * const invoker = new WorkerPoolInvoker({ threads: 2 });
 * const result = await invoker.invoke('arn:aws:lambda:local:000000000000:function:stepmr-local-map', event);
 * await invoker.close();
 * ```
 */
export class WorkerPoolInvoker implements Invoker {
  readonly #pool: Piscina;
  readonly #timeoutSeconds: number;
  readonly #memoryMb: number;
  readonly #initLimitSeconds: number;

  constructor(options: WorkerPoolOptions = {}) {
    this.#timeoutSeconds = options.timeoutSeconds ?? 900;
    this.#memoryMb = options.memoryMb ?? 3008;
    this.#initLimitSeconds = options.initLimitSeconds ?? 10;
    const threads = options.threads ?? availableParallelism();
    this.#pool = new Piscina({
      filename: WORKER,
      name: 'runHandler',
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      env: { ...(process.env as Record<string, string>), ...options.env },
      resourceLimits: { maxOldGenerationSizeMb: this.#memoryMb },
      workerData: (options.userModules ? { userModules: options.userModules } : {}) satisfies WorkerData,
    });
    // The pool reports a result that arrives for a task it no longer tracks (one aborted as it
    // finished) as an 'error' event, which unheard would end this process. Such a result
    // belongs to an abandoned invocation, whose caller was already answered: it is dropped.
    this.#pool.on('error', () => undefined);
  }

  async invoke(functionArn: string, payload: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    const handler = handlerOf(functionArn);
    if (!handler) {
      throw new LambdaServiceError('Lambda.ResourceNotFoundException', `Function not found: ${functionArn}`);
    }
    const timeoutSeconds = options.timeoutSeconds ?? this.#timeoutSeconds;
    const controller = new AbortController();
    let timedOut = false;
    const expire = () => {
      timedOut = true;
      controller.abort();
    };
    // As on Lambda, the function's timeout counts from when the handler runs: a worker loading
    // the handlers and the job is the init phase, which has its own limit; and a task waiting
    // for a free worker (as an invocation is throttled) is not timed at all, however long the
    // tasks ahead of it run.
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (phase: WorkerPhase) => {
      clearTimeout(timer);
      if (settled) return;
      const seconds = phase === 'started' ? timeoutSeconds : this.#initLimitSeconds + timeoutSeconds;
      timer = setTimeout(expire, seconds * 1000);
    });
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) controller.abort();
    const request: WorkerRequest = {
      handler,
      functionName: functionArn.split(':').pop() ?? functionArn,
      payload,
      timeoutMs: timeoutSeconds * 1000,
      memoryMb: this.#memoryMb,
      started: port2,
    };
    try {
      const response = (await this.#pool.run(request, {
        signal: controller.signal,
        transferList: [port2],
      })) as WorkerResponse;
      if (response.ok) {
        return { payload: JSON.parse(response.json), responseBytes: Buffer.byteLength(response.json) };
      }
      const error = {
        errorType: response.errorType,
        errorMessage: response.errorMessage,
        trace: response.trace,
      };
      return {
        payload: error,
        functionError: error,
        responseBytes: Buffer.byteLength(JSON.stringify(error)),
      };
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
      const error = timedOut
        ? {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
          }
        : (cause as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              errorType: 'Runtime.OutOfMemory',
              errorMessage: `the function ran out of memory (${this.#memoryMb} MB): ${(cause as Error).message}`,
            }
          : {
              errorType: 'Runtime.ExitError',
              errorMessage: `the function's worker exited: ${(cause as Error).message}`,
            };
      return {
        payload: error,
        functionError: error,
        responseBytes: Buffer.byteLength(JSON.stringify(error)),
      };
    } finally {
      settled = true;
      clearTimeout(timer);
      port1.close();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await this.#pool.close({ force: true });
  }
}
