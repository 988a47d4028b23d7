import type { InvokeOptions, InvokeResult, Invoker } from '../../engine/Invoker.js';

/**
 * An {@link Invoker} that lets at most `limit` invocations run at once and queues the rest, in
 * order. serverless-offline runs every function in one process: on AWS each invocation has its
 * own memory, there they all share one heap, so the number at once is what bounds it. A queued
 * invocation whose `signal` aborts leaves the queue without running.
 *
 * @example
 * ```ts
 * const invoker = boundedInvoker(new LambdaInvoker({ client }), 8);
 * await invoker.invoke(functionArn, { jobId }); // waits while 8 others run
 * ```
 */
export function boundedInvoker(inner: Invoker, limit: number): Invoker {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`the functions' concurrency must be a whole number, 1 or more; got ${limit}`);
  }
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  const turn = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (running < limit) {
        running++;
        resolve();
        return;
      }
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        running++;
        resolve();
      };
      const onAbort = () => {
        const at = waiting.indexOf(go);
        if (at >= 0) waiting.splice(at, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(go);
    });
  return {
    async invoke(functionArn: string, payload: unknown, options?: InvokeOptions): Promise<InvokeResult> {
      await turn(options?.signal);
      try {
        return await inner.invoke(functionArn, payload, options);
      } finally {
        release();
      }
    },
  };
}
