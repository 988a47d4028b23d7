/** A Lambda function's error, as the Lambda Invoke API reports it (`X-Amz-Function-Error`). */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** What one Lambda invocation gave back. */
export interface InvokeResult {
  /** The function's JSON response (or the error object when `functionError` is set). */
  readonly payload: unknown;
  /** Set when the function itself failed (threw, timed out, ran out of memory). */
  readonly functionError?: FunctionError;
  /** Size of the JSON response in bytes, for the 6 MB response limit. */
  readonly responseBytes: number;
}

/** Options of one invocation. */
export interface InvokeOptions {
  /** The function's configured timeout; past it the invocation fails with `Sandbox.Timedout`. */
  readonly timeoutSeconds?: number;
  /** Aborts the invocation (the execution was stopped). */
  readonly signal?: AbortSignal;
}

/**
 * The compute port of the engine: runs one Lambda function. The embedded runtime runs handlers
 * in a worker pool; the offline and AWS runtimes call the Lambda Invoke API.
 *
 * A failure of the Lambda *service* (throttling, an unknown function) rejects with an error
 * whose `name` is the Step Functions error name, such as `Lambda.TooManyRequestsException`;
 * a failure of the *function* resolves with `functionError` set.
 *
 * @example
 * ```ts
 * const invoker: Invoker = {
 *   async invoke(arn, payload) {
 *     return { payload: { echoed: payload }, responseBytes: 0 };
 *   },
 * };
 * ```
 */
export interface Invoker {
  invoke(functionArn: string, payload: unknown, options?: InvokeOptions): Promise<InvokeResult>;
}
