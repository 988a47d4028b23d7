import type { Engine } from '../Engine.js';
import { ExecutionDoesNotExistError } from '../errors.js';
import type { DescribeExecutionOutput } from '../types.js';
import { epochSeconds } from './awsJson.js';
import { ApiError } from './errors.js';
import type { Request } from './fields.js';
import type { ExecutionHistory } from './history.js';
import type { StateMachines } from './stateMachines.js';

/** What every operation of the Step Functions API works on. Internal. */
export interface ApiContext {
  readonly engine: Engine;
  readonly machines: StateMachines;
  readonly history: ExecutionHistory;
}

/** One API operation: the request object in, the response object out. */
export type Operation = (ctx: ApiContext, input: Request) => unknown;

/**
 * `DescribeExecution` of the engine, with AWS's `ExecutionDoesNotExist` for an unknown ARN.
 *
 * @example
 * ```ts
 * const { status } = describeOrThrow(ctx.engine, executionArn);
 * ```
 */
export function describeOrThrow(engine: Engine, executionArn: string): DescribeExecutionOutput {
  try {
    return engine.describeExecution(executionArn);
  } catch (error) {
    if (error instanceof ExecutionDoesNotExistError) {
      throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    throw error;
  }
}

/**
 * An object with its `Date` fields as epoch seconds, as AWS JSON 1.0 sends timestamps.
 *
 * @example
 * ```ts
 * withEpochDates({ name: 'a', startDate: new Date(1000) }); // { name: 'a', startDate: 1 }
 * ```
 */
export function withEpochDates<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, v instanceof Date ? epochSeconds(v) : v]),
  );
}
