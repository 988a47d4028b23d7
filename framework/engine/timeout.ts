import { linkedController } from './abort.js';
import type { Runtime } from './runtime.js';

/**
 * Runs `run` with a deadline slept through `deps.sleep` (so a fake clock drives it). Past the
 * deadline it rejects with `onTimeout()` and aborts the signal given to `run`, which cancels
 * the work in flight (an invocation, a Map Run). Without `seconds` it just runs.
 *
 * @example
 * ```ts
 * await withTimeout(rt, 30, scope.signal, (signal) => invoke(signal), () => new StatesError('States.Timeout'));
 * ```
 */
export async function withTimeout<T>(
  rt: Runtime,
  seconds: number | undefined,
  parent: AbortSignal,
  run: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => Error,
): Promise<T> {
  if (seconds === undefined) return run(parent);
  const link = linkedController(parent);
  const work = run(link.signal);
  work.catch(() => undefined);
  const deadline = rt.deps.sleep(seconds * 1000, link.signal).then(
    () => {
      throw onTimeout();
    },
    () => new Promise<never>(() => undefined),
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    link.abort();
    link.dispose();
  }
}
