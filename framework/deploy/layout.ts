/**
 * The layout of the stack's data bucket. The functions' IAM policies follow it: every
 * function may read the whole bucket, but jobs keep their working objects under `work/`
 * (expired by a lifecycle rule) and publish results under `out/` only.
 *
 * @example
 * ```ts
 * const prefix = `${BUCKET_LAYOUT.work}${jobId}/`;
 * ```
 */
export const BUCKET_LAYOUT = {
  /** Job plans, shuffle objects, staged parts, Map Run results: one folder per job. */
  work: 'work/',
  /** Published results. */
  output: 'out/',
  /** Days after which working objects and unfinished multipart uploads expire. */
  workExpiryDays: 7,
  /**
   * The bucket is versioned: a deleted or overwritten object keeps its earlier version for
   * these days, during which it can be restored.
   */
  noncurrentExpiryDays: 30,
  /** Days a deleted or expired working object's earlier version is kept: work is never restored. */
  workNoncurrentExpiryDays: 1,
} as const;
