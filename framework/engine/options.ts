import type { Store } from '../store/Store.js';
import type { EngineListener } from './events.js';
import type { Invoker } from './Invoker.js';
import type { EngineLimits } from './limits.js';

/**
 * Side effects of the engine, injectable so tests drive time: Retry backoff, Wait states and
 * timeouts all sleep through `sleep`, jitter and `States.MathRandom` use `random`.
 *
 * @example
 * ```ts
 * const sleeps: number[] = [];
 * const deps: Partial<EngineDeps> = { sleep: async (ms) => void sleeps.push(ms) };
 * ```
 */
export interface EngineDeps {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects (with an `AbortError`) when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in `[0, 1)`. */
  random(): number;
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
}

/**
 * The real clock, timers and `Math.random`.
 *
 * @example
 * ```ts
 * await defaultDeps.sleep(10);
 * ```
 */
export const defaultDeps: EngineDeps = Object.freeze({
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
});

/**
 * Options of {@link Engine}.
 *
 * @example
 * ```ts
 * const engine = new Engine({ invoker, stores: (bucket) => new FileStore(`/data/${bucket}`) });
 * ```
 */
export interface EngineOptions {
  /** Runs Lambda functions. */
  readonly invoker: Invoker;
  /** The Store behind an S3 bucket name of ItemReader / ResultWriter. @default none: S3 access fails */
  readonly stores?: (bucket: string) => Store;
  /** Clock, sleep and randomness. @default real ones */
  readonly deps?: Partial<EngineDeps>;
  /** AWS limits, lowered in tests. @default DEFAULT_LIMITS */
  readonly limits?: Partial<EngineLimits>;
  /** The region in generated ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** The account in generated ARNs. @default '123456789012' */
  readonly accountId?: string;
  /**
   * Concurrency of a Map without `MaxConcurrency` (or with 0). AWS allows up to 10,000 child
   * executions at once; embedded, the invoker's worker pool is the real bound.
   * @default 256
   */
  readonly defaultMapConcurrency?: number;
  /** A first event listener; more with `engine.on`. */
  readonly onEvent?: EngineListener;
  /**
   * Finished top-level executions the engine remembers for `describeExecution` and
   * `listExecutions`. Past it, the execution that finished first is forgotten, with its Map
   * Runs, so a long-lived engine (the offline Step Functions API) does not grow without bound.
   * @default 1000
   */
  readonly maxFinishedExecutions?: number;
}
