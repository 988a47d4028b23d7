import { StepmrError } from '../../errors.js';

/**
 * An error of an AWS API, as the HTTP face of the engine answers it: HTTP 400 (or `status`)
 * with `{"__type": type, "message": message}`, which the AWS SDK raises as its typed exception
 * of that name (`ExecutionDoesNotExist`, `InvalidArn`, …).
 *
 * @example
 * ```ts
 * throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
 * ```
 */
export class ApiError extends StepmrError {
  override readonly name = 'ApiError';

  constructor(
    /** The AWS error name (`__type`). */
    readonly type: string,
    message: string,
    /** The HTTP status. @default 400 */
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The engine's errors whose `name` is already the Step Functions API error name. */
const ENGINE_ERRORS = new Set([
  'ExecutionDoesNotExist',
  'ExecutionAlreadyExists',
  'ExecutionNotRedrivable',
  'InvalidExecutionInput',
  'InvalidName',
  'InvalidDefinition',
  'ResourceNotFound',
]);

/**
 * The API error of an engine error (`ExecutionDoesNotExistError` → `ExecutionDoesNotExist`);
 * any other error is returned as it is.
 *
 * @example
 * ```ts
 * try { engine.describeMapRun(arn); } catch (error) { throw asApiError(error); }
 * ```
 */
export function asApiError(error: unknown): unknown {
  if (error instanceof StepmrError && ENGINE_ERRORS.has(error.name)) {
    return new ApiError(error.name, error.message);
  }
  return error;
}
