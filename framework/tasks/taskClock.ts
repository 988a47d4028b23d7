import { isMainThread, threadId } from 'node:worker_threads';

/**
 * What ran this task: on Lambda its log stream (one per execution environment), else the worker
 * thread (the embedded runtime's Lambda) or the process.
 *
 * @example
 * ```ts
 * executorId({ AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/02/[$LATEST]3fa9c1' }); // '2026/12/02/[$LATEST]3fa9c1'
 * ```
 */
export function executorId(env: NodeJS.ProcessEnv = process.env): string {
  const stream = env.AWS_LAMBDA_LOG_STREAM_NAME;
  if (stream) return stream.slice(0, 512);
  return isMainThread ? `process ${process.pid}` : `process ${process.pid} thread ${threadId}`;
}

/**
 * When, where and as which attempt a task ran, for its result (and so the job report): its
 * start (epoch ms), its executor, and its attempt as the state machine passed it.
 *
 * @example
 * ```ts
 * return { ...result, ...timingOf(started, event.Attempt) };
 * ```
 */
export function timingOf(
  startedAt: number,
  attempt: number | undefined,
): { startedAt: number; executor: string; attempt?: number } {
  return { startedAt, executor: executorId(), ...(attempt !== undefined ? { attempt } : {}) };
}
