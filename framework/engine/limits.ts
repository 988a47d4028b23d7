import { StatesError } from './errors.js';

/**
 * The AWS limits the engine enforces, so that what runs locally also runs on AWS. Every field
 * can be lowered in tests through `new Engine({ limits })`.
 *
 * @example
 * ```ts
 * const engine = new Engine({ invoker, limits: { payloadBytes: 1024 } });
 * ```
 */
export interface EngineLimits {
  /**
   * Largest state input, state output, task result, execution input and child execution
   * input, in bytes of UTF-8 JSON. Source: Step Functions service quotas, "Maximum input or
   * output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string"
   * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); past it,
   * `States.DataLimitExceeded` (concepts-error-handling.html).
   * @default 262144
   */
  readonly payloadBytes: number;
  /**
   * Largest synchronous Lambda response. Lambda's quota page says "6 MB"; the service enforces
   * 6,291,556 bytes and answers larger responses with the function error
   * `Function.ResponseSizeTooLarge` ("Response payload size exceeded maximum allowed payload
   * size (6291556 bytes).", Lambda Invoke API, `X-Amz-Function-Error: Unhandled`).
   * @default 6291556
   */
  readonly lambdaResponseBytes: number;
  /**
   * Ceiling of an ItemBatcher batch (`MaxInputBytesPerBatch` "up to 256 KiB",
   * input-output-itembatcher.html).
   * @default 262144
   */
  readonly batchBytes: number;
  /** Most items `States.ArrayRange` may return (intrinsic-functions.html). @default 1000 */
  readonly arrayRangeItems: number;
  /** Longest string input of `States.Hash`, `States.Base64Encode/Decode` (intrinsic-functions.html). @default 10000 */
  readonly intrinsicStringChars: number;
  /** Longest execution name (StartExecution API, `name` 1..80 characters). @default 80 */
  readonly executionNameChars: number;
}

/**
 * The limits as AWS sets them.
 *
 * @example
 * ```ts
 * const limits = { ...DEFAULT_LIMITS, payloadBytes: 1024 };
 * ```
 */
export const DEFAULT_LIMITS: EngineLimits = Object.freeze({
  payloadBytes: 262_144,
  lambdaResponseBytes: 6_291_556,
  batchBytes: 262_144,
  arrayRangeItems: 1000,
  intrinsicStringChars: 10_000,
  executionNameChars: 80,
});

/**
 * Size of a value as Step Functions measures it: bytes of its UTF-8 JSON text.
 *
 * @example
 * ```ts
 * jsonBytes({ a: 'é' }); // 10
 * ```
 */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  if (text === undefined) return 0;
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Throws `States.DataLimitExceeded` (AWS's own cause text) when `value` is larger than `limit`.
 *
 * @example
 * ```ts
 * assertPayloadSize(output, limits.payloadBytes, 'MyState');
 * ```
 */
export function assertPayloadSize(value: unknown, limit: number, stateName: string): void {
  const bytes = jsonBytes(value);
  if (bytes > limit) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${limit} bytes).`,
    );
  }
}
