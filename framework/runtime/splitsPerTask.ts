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

/**
 * Splits per map task for a list of files: about 16 MiB a task by their average split, between
 * 1 and 1,000, so a stream batch of 300 files of 1 KiB runs one map task, not 300.
 *
 * @example
 * ```ts
 * splitsPerTaskFor([{ size: 1024 }, { size: 2048 }], 64 * 1024 * 1024); // 1000
 * ```
 */
export function splitsPerTaskFor(files: readonly { readonly size: number }[], splitSize: number): number {
  const splits = files.reduce((n, f) => n + Math.max(1, Math.ceil(f.size / splitSize)), 0);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const average = Math.max(1, bytes / Math.max(1, splits));
  return Math.max(1, Math.min(1000, Math.floor(TARGET_TASK_BYTES / average)));
}
