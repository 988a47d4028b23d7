import { executionArn } from '../arn.js';
import { ExecutionDoesNotExistError } from '../errors.js';
import type { DescribeExecutionOutput, ExecutionListItem } from '../types.js';
import { type ApiContext, describeOrThrow, type Operation, withEpochDates } from './context.js';
import { ApiError, asApiError } from './errors.js';
import { arnField, optionalEnum, optionalString, pageSize, type Request, requiredString } from './fields.js';
import { page } from './paging.js';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

function validationError(message: string): ApiError {
  return new ApiError('ValidationException', `1 validation error detected: ${message}`);
}

/** The execution input: JSON text within the payload limit, parsed. */
function executionInput(ctx: ApiContext, raw: string): unknown {
  const limit = ctx.engine.limits.payloadBytes;
  if (Buffer.byteLength(raw) > limit) {
    throw validationError(
      `Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${limit}`,
    );
  }
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new ApiError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${(cause as Error).message}'`,
    );
  }
}

function findExecution(ctx: ApiContext, arn: string): DescribeExecutionOutput | undefined {
  try {
    return ctx.engine.describeExecution(arn);
  } catch (error) {
    if (error instanceof ExecutionDoesNotExistError) return undefined;
    throw error;
  }
}

/**
 * StartExecution. Repeating a call with the name and input of a running execution returns
 * that execution (AWS's idempotency); the name of any other execution is ExecutionAlreadyExists.
 */
const startExecution: Operation = (ctx, input) => {
  const machine = ctx.machines.get(arnField(input, 'stateMachineArn', 'stateMachine'));
  const name = optionalString(input, 'name');
  const max = ctx.engine.limits.executionNameChars;
  if (name !== undefined && (name.length < 1 || name.length > max)) {
    throw validationError(
      `Value '${name}' at 'name' failed to satisfy constraint: Member must have length between 1 and ${max}`,
    );
  }
  const value = executionInput(ctx, optionalString(input, 'input') ?? '{}');
  if (name !== undefined) {
    const arn = executionArn(machine.arn, name);
    const existing = findExecution(ctx, arn);
    if (existing) {
      if (existing.status !== 'RUNNING' || existing.input !== JSON.stringify(value)) {
        throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
      return withEpochDates({ executionArn: arn, startDate: existing.startDate });
    }
  }
  try {
    const execution = ctx.engine.startExecution({
      definition: machine.definition,
      input: value,
      stateMachineArn: machine.arn,
      ...(name !== undefined ? { name } : {}),
    });
    return withEpochDates({ executionArn: execution.executionArn, startDate: execution.startDate });
  } catch (error) {
    throw asApiError(error);
  }
};

const describeExecution: Operation = (ctx, input) =>
  withEpochDates(describeOrThrow(ctx.engine, arnField(input, 'executionArn', 'execution')));

const stopExecution: Operation = async (ctx, input) => {
  const arn = arnField(input, 'executionArn', 'execution');
  if (describeOrThrow(ctx.engine, arn).mapRunArn !== undefined) {
    throw new ApiError(
      'ValidationException',
      `Execution '${arn}' is a child execution of a Map Run; stop its parent execution instead.`,
    );
  }
  const { stopDate } = await ctx.engine.stopExecution(
    arn,
    optionalString(input, 'error'),
    optionalString(input, 'cause'),
  );
  return withEpochDates({ stopDate });
};

/** Newest first; executions started in the same millisecond, the later one first. */
function newestFirst(items: ExecutionListItem[]): ExecutionListItem[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.startDate.getTime() - a.item.startDate.getTime() || b.index - a.index)
    .map(({ item }) => item);
}

function listedExecutions(ctx: ApiContext, input: Request): { items: ExecutionListItem[]; query: string } {
  const machineArn =
    input.stateMachineArn === undefined ? undefined : requiredString(input, 'stateMachineArn');
  const mapRunArn = input.mapRunArn === undefined ? undefined : requiredString(input, 'mapRunArn');
  if ((machineArn === undefined) === (mapRunArn === undefined)) {
    throw new ApiError('ValidationException', 'Specify either stateMachineArn or mapRunArn, not both.');
  }
  const status = optionalEnum(input, 'statusFilter', STATUSES);
  const redrive = optionalEnum(input, 'redriveFilter', ['REDRIVEN', 'NOT_REDRIVEN'] as const);
  let items: ExecutionListItem[];
  if (machineArn !== undefined) {
    ctx.machines.get(arnField(input, 'stateMachineArn', 'stateMachine'));
    items = ctx.engine.listExecutions({ stateMachineArn: machineArn }).executions;
  } else {
    try {
      items = ctx.engine.listExecutions({ mapRunArn: arnField(input, 'mapRunArn', 'mapRun') }).executions;
    } catch (error) {
      throw asApiError(error);
    }
  }
  const filtered = items.filter(
    (e) =>
      (status === undefined || e.status === status) &&
      (redrive === undefined || (redrive === 'REDRIVEN') === (e.redriveCount ?? 0) > 0),
  );
  const query = `executions|${machineArn ?? mapRunArn}|${status ?? ''}|${redrive ?? ''}`;
  return { items: newestFirst(filtered), query };
}

/** ListExecutions of a state machine or of a Map Run, newest first, in pages. */
const listExecutions: Operation = (ctx, input) => {
  const { items, query } = listedExecutions(ctx, input);
  const token = optionalString(input, 'nextToken');
  const result = page(items, (e) => e.executionArn, pageSize(input), token, query);
  return {
    executions: result.items.map(withEpochDates),
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  };
};

/** GetExecutionHistory of a top-level execution, oldest first unless reverseOrder. */
const getExecutionHistory: Operation = (ctx, input) => {
  const arn = arnField(input, 'executionArn', 'execution');
  const includeData = input.includeExecutionData !== false;
  const events = ctx.history.events(arn, includeData);
  if (!events) {
    describeOrThrow(ctx.engine, arn);
    throw new ApiError(
      'ValidationException',
      `No history is kept for '${arn}': it is an EXPRESS child execution of a Map Run, whose history AWS keeps only in CloudWatch Logs; children of a Map Run whose ItemProcessor is STANDARD have one.`,
    );
  }
  const ordered = input.reverseOrder === true ? [...events].reverse() : events;
  const query = `history|${arn}|${input.reverseOrder === true}`;
  const token = optionalString(input, 'nextToken');
  const result = page(ordered, (e) => String(e.id), pageSize(input), token, query);
  return { events: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
};

/**
 * The execution operations of the Step Functions API.
 *
 * @example
 * ```ts
 * const output = await EXECUTION_OPERATIONS.DescribeExecution?.(ctx, { executionArn });
 * ```
 */
export const EXECUTION_OPERATIONS: Readonly<Record<string, Operation>> = {
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  StopExecution: stopExecution,
  ListExecutions: listExecutions,
  GetExecutionHistory: getExecutionHistory,
};
