import { setMaxListeners } from 'node:events';

/**
 * An AbortController that also aborts when its parent signal does.
 *
 * @example
 * ```ts
 * const link: LinkedController = linkedController(parent);
 * ```
 */
export interface LinkedController {
  readonly signal: AbortSignal;
  abort(): void;
  /** Detaches from the parent; call when the work is over. */
  dispose(): void;
}

/**
 * A child AbortController of `parent`: aborting the parent aborts the child, not the other way
 * round. Many invocations may listen to the child's signal at once, so its listener limit is
 * lifted (no MaxListenersExceededWarning with MaxConcurrency 1000).
 *
 * @example
 * ```ts
 * const run = linkedController(scope.signal);
 * try { await work(run.signal); } finally { run.dispose(); }
 * ```
 */
export function linkedController(parent: AbortSignal | undefined): LinkedController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort();
  if (parent?.aborted) controller.abort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => parent?.removeEventListener('abort', onAbort),
  };
}
