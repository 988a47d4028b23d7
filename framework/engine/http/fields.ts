import { ApiError } from './errors.js';

/** The request object of one API call. */
export type Request = Readonly<Record<string, unknown>>;

/**
 * An optional string field; a value of another type is a `ValidationException`.
 *
 * @example
 * ```ts
 * const name = optionalString(input, 'name');
 * ```
 */
export function optionalString(input: Request, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ApiError('ValidationException', `1 validation error detected: '${field}' must be a string.`);
  }
  return value;
}

/**
 * A required string field.
 *
 * @example
 * ```ts
 * const arn = requiredString(input, 'executionArn');
 * ```
 */
export function requiredString(input: Request, field: string): string {
  const value = optionalString(input, field);
  if (value === undefined) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

const ARN = {
  stateMachine: /^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:\s]+$/,
  execution: /^arn:aws[\w-]*:states:[\w-]+:\d{12}:(execution|express):[^:\s]+:[^:\s]+$/,
  mapRun: /^arn:aws[\w-]*:states:[\w-]+:\d{12}:mapRun:[^:\s]+:[^:\s]+$/,
} as const;

/**
 * A required ARN field of a given resource type; a malformed one is `InvalidArn`, as AWS says.
 *
 * @example
 * ```ts
 * const arn = arnField(input, 'executionArn', 'execution');
 * ```
 */
export function arnField(input: Request, field: string, kind: keyof typeof ARN): string {
  const value = requiredString(input, field);
  if (!ARN[kind].test(value)) {
    throw new ApiError(
      'InvalidArn',
      `Invalid Arn: '${value}' is not ${kind === 'execution' ? 'an' : 'a'} ${kind} ARN (arn:aws:states:<region>:<account>:${kind}:…)`,
    );
  }
  return value;
}

/**
 * The page size of a list call: `maxResults` 1 to 1000, with 0 or none meaning 100, as AWS.
 *
 * @example
 * ```ts
 * const size = pageSize(input); // 100 without maxResults
 * ```
 */
export function pageSize(input: Request, max = 1000): number {
  const value = input.maxResults;
  if (value === undefined || value === null || value === 0) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and ${max}`,
    );
  }
  return value;
}

/**
 * An optional value of a fixed set (such as `statusFilter`).
 *
 * @example
 * ```ts
 * const status = optionalEnum(input, 'statusFilter', ['RUNNING', 'SUCCEEDED'] as const);
 * ```
 */
export function optionalEnum<T extends string>(
  input: Request,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalString(input, field);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
}
