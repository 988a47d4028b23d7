import { describeOrThrow, type Operation, withEpochDates } from './context.js';
import { asApiError } from './errors.js';
import { arnField, optionalString, pageSize } from './fields.js';
import { page } from './paging.js';

const describeMapRun: Operation = (ctx, input) => {
  try {
    return withEpochDates(ctx.engine.describeMapRun(arnField(input, 'mapRunArn', 'mapRun')));
  } catch (error) {
    throw asApiError(error);
  }
};

/** ListMapRuns of an execution, in the order they started. */
const listMapRuns: Operation = (ctx, input) => {
  const arn = arnField(input, 'executionArn', 'execution');
  describeOrThrow(ctx.engine, arn);
  const runs = ctx.engine.listMapRuns(arn).mapRuns;
  const token = optionalString(input, 'nextToken');
  const result = page(runs, (r) => r.mapRunArn, pageSize(input), token, `mapRuns|${arn}`);
  return {
    mapRuns: result.items.map(withEpochDates),
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  };
};

const listStateMachines: Operation = (ctx, input) => {
  const token = optionalString(input, 'nextToken');
  const result = page(ctx.machines.all(), (m) => m.arn, pageSize(input), token, 'stateMachines');
  return {
    stateMachines: result.items.map((m) =>
      withEpochDates({
        stateMachineArn: m.arn,
        name: m.name,
        type: 'STANDARD',
        creationDate: m.creationDate,
      }),
    ),
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  };
};

const describeStateMachine: Operation = (ctx, input) => {
  const machine = ctx.machines.get(arnField(input, 'stateMachineArn', 'stateMachine'));
  return withEpochDates({
    stateMachineArn: machine.arn,
    name: machine.name,
    status: 'ACTIVE',
    definition: machine.text,
    roleArn: machine.roleArn,
    type: 'STANDARD',
    creationDate: machine.creationDate,
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  });
};

/**
 * The Map Run and state machine operations of the Step Functions API.
 *
 * @example
 * ```ts
 * const output = await RESOURCE_OPERATIONS.DescribeMapRun?.(ctx, { mapRunArn });
 * ```
 */
export const RESOURCE_OPERATIONS: Readonly<Record<string, Operation>> = {
  DescribeMapRun: describeMapRun,
  ListMapRuns: listMapRuns,
  ListStateMachines: listStateMachines,
  DescribeStateMachine: describeStateMachine,
};
