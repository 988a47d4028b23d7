const TARGET_TASK_BYTES = 16 * 1024 * 1024;

/**
 * Splits per map task for a split size: about 16 MiB of input per task, at most 1,000 splits.
 *
 * @example
 * ```ts
 * defaultSplitsPerTask(4 * 1024 * 1024); // 4
 * ```
 */
export function defaultSplitsPerTask(splitSize: number): number {
  return Math.max(1, Math.min(1000, Math.floor(TARGET_TASK_BYTES / splitSize)));
}
