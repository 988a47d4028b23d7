/**
 * Names of a stream's batch executions on the deployed stack. Imports nothing.
 */

/**
 * What a stream's name may be: it names its EventBridge rules, its checkpoint prefix and its
 * batches' executions.
 *
 * @example
 * ```ts
 * STREAM_NAME.test('clicks'); // true
 * ```
 */
export const STREAM_NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

const BATCH_EXECUTION = /^([A-Za-z][A-Za-z0-9-]{0,39})-b(\d{1,12})(?:-r(\d{1,3}))?$/;

/**
 * The stream, batch and re-run of a batch execution's name (`<stream>-b<N>`, or
 * `<stream>-b<N>-r<k>` for the k-th re-run of a batch whose execution failed), or undefined
 * for any other name.
 *
 * @example
 * ```ts
 * parseBatchExecutionName('clicks-b42-r2'); // { stream: 'clicks', batch: 42, rerun: 2 }
 * ```
 */
export function parseBatchExecutionName(
  name: string,
): { stream: string; batch: number; rerun: number } | undefined {
  const match = BATCH_EXECUTION.exec(name);
  if (!match?.[1]) return undefined;
  return { stream: match[1], batch: Number(match[2]), rerun: match[3] ? Number(match[3]) : 0 };
}

/**
 * How a plan names a stream of the deployed registry (`streams` of stepmr.config.ts), whose
 * batches run as jobs: `stream:<name>`.
 *
 * @example
 * ```ts
 * const module = `${STREAM_REF}clicks`; // 'stream:clicks'
 * ```
 */
export const STREAM_REF = 'stream:';
