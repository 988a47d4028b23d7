/**
 * Names that cross a process boundary: error types that the state machine's Retry and Catch
 * match, and job references in `job.json`. Defined once; everything else imports them.
 */

/**
 * The error type Step Functions retries: a task error marked retryable is reported as this.
 *
 * @example
 * ```ts
 * const retry = { ErrorEquals: [TRANSIENT_ERROR_TYPE], MaxAttempts: 3 };
 * ```
 */
export const TRANSIENT_ERROR_TYPE = 'Stepmr.TransientError';

/**
 * How a plan names a job of the deployed jobs registry: `job:<name>`.
 *
 * @example
 * ```ts
 * const module = `${REGISTRY_REF}wordcount`; // 'job:wordcount'
 * ```
 */
export const REGISTRY_REF = 'job:';

/**
 * What a job id may be: it names the execution and the job's working prefix.
 *
 * @example
 * ```ts
 * JOB_ID.test('wordcount-20261201T030000'); // true
 * ```
 */
export const JOB_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The working prefix of job `jobId` under `root` (`work/` in the data bucket, `''` in the
 * embedded runtime's `_temporary` folder): every object a job's tasks write lies under it.
 *
 * @example
 * ```ts
 * workPrefix('work/', 'wc-1'); // 'work/wc-1/'
 * ```
 */
export function workPrefix(root: string, jobId: string): string {
  return `${root}${jobId}/`;
}
