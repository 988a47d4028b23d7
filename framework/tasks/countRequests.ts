import { CountingStore, noRequests, type RequestCounts } from '../store/CountingStore.js';
import type { Store } from '../store/Store.js';
import type { TaskDeps } from './deps.js';

/**
 * Task deps whose stores count every request the task sends (into `counts`), so that the task
 * reports its own S3 requests. A store is wrapped once: two opens of the same store give the
 * same wrapper, as moves within one store rely on.
 *
 * @example
 * ```ts
 * const { deps, counts } = countingDeps(given);
 * await deps.bucket(ref.bucket).get(key);
 * counts.get; // 1
 * ```
 */
export function countingDeps(given: TaskDeps): { deps: TaskDeps; counts: RequestCounts } {
  const counts = noRequests();
  const wrapped = new Map<Store, CountingStore>();
  const wrap = (store: Store): Store => {
    let counting = wrapped.get(store);
    if (!counting) {
      counting = new CountingStore(store, counts);
      wrapped.set(store, counting);
    }
    return counting;
  };
  const deps: TaskDeps = {
    ...given,
    bucket: (name) => wrap(given.bucket(name)),
    open: (uri) => {
      const opened = given.open(uri);
      return { store: wrap(opened.store), key: opened.key };
    },
  };
  return { deps, counts };
}

/**
 * What a task reports of its own usage: its requests, and the memory Lambda gives it (its
 * `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`), when it runs on Lambda.
 *
 * @example
 * ```ts
 * return { ...result, ...usageOf(counts) };
 * ```
 */
export function usageOf(
  counts: RequestCounts,
  env: NodeJS.ProcessEnv = process.env,
): { requests: RequestCounts; memoryMb?: number } {
  const memory = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return {
    requests: { ...counts },
    ...(Number.isSafeInteger(memory) && memory > 0 ? { memoryMb: memory } : {}),
  };
}
