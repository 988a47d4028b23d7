import type { Engine } from '../Engine.js';
import { type ApiContext, describeOrThrow, type Operation, withEpochDates } from './context.js';
import { ApiError, asApiError } from './errors.js';
import { arnField, optionalString } from './fields.js';
import type { StateMachineEntry } from './stateMachines.js';

/** How long, and for how many, a redrive's client token gives back the same answer, as on AWS. */
const TOKEN_MS = 15 * 60 * 1000;
const TOKENS = 10;

interface Used {
  readonly token: string;
  readonly redriveDate: Date;
  readonly at: number;
}

/** The client tokens of successful redrives, per engine and execution. */
const usedTokens = new WeakMap<Engine, Map<string, Used[]>>();

function tokensOf(engine: Engine, executionArn: string): Used[] {
  const byExecution = usedTokens.get(engine) ?? new Map<string, Used[]>();
  usedTokens.set(engine, byExecution);
  const used = byExecution.get(executionArn) ?? [];
  byExecution.set(executionArn, used);
  return used;
}

/**
 * RedriveExecution. A repeated `clientToken` (the SDK makes one per call) of one of the last 10
 * successful redrives of the execution, within 15 minutes, answers that redrive's date again
 * and redrives nothing.
 */
const redriveExecution: Operation = (ctx, input) => {
  const arn = arnField(input, 'executionArn', 'execution');
  const token = optionalString(input, 'clientToken');
  if (token !== undefined && (token.length < 1 || token.length > 64)) {
    throw new ApiError(
      'ValidationException',
      "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length between 1 and 64",
    );
  }
  const used = tokensOf(ctx.engine, arn);
  const now = Date.now();
  const earlier = used.find((u) => u.token === token && now - u.at <= TOKEN_MS);
  if (earlier) return withEpochDates({ redriveDate: earlier.redriveDate });
  let redriveDate: Date;
  try {
    ({ redriveDate } = ctx.engine.redriveExecution(arn));
  } catch (error) {
    throw asApiError(error);
  }
  if (token !== undefined) {
    used.push({ token, redriveDate, at: now });
    if (used.length > TOKENS) used.shift();
  }
  return withEpochDates({ redriveDate });
};

function machineOrThrow(ctx: ApiContext, arn: string): StateMachineEntry {
  const machine = ctx.machines.find(arn);
  if (!machine) throw new ApiError('ExecutionDoesNotExist', `No state machine ${arn} is registered here.`);
  return machine;
}

const logging = { loggingConfiguration: { level: 'OFF', includeExecutionData: false } };
const tracing = { tracingConfiguration: { enabled: false } };

/**
 * DescribeStateMachineForExecution: the state machine an execution runs. For a child
 * execution of a Distributed Map, that is the Map state's ItemProcessor, under the child state
 * machine ARN (`…:stateMachine:<parent>/<label>`), with the Map Run ARN and the label.
 */
const describeStateMachineForExecution: Operation = (ctx, input) => {
  const arn = arnField(input, 'executionArn', 'execution');
  const execution = describeOrThrow(ctx.engine, arn);
  if (execution.mapRunArn === undefined) {
    const machine = machineOrThrow(ctx, execution.stateMachineArn);
    return withEpochDates({
      stateMachineArn: machine.arn,
      name: machine.name,
      definition: machine.text,
      roleArn: machine.roleArn,
      updateDate: machine.creationDate,
      ...logging,
      ...tracing,
    });
  }
  let stateName: string;
  let parentArn: string;
  try {
    stateName = ctx.engine.mapRunStateName(execution.mapRunArn);
    parentArn = ctx.engine.describeMapRun(execution.mapRunArn).executionArn;
  } catch (error) {
    throw asApiError(error);
  }
  const parent = machineOrThrow(ctx, describeOrThrow(ctx.engine, parentArn).stateMachineArn);
  const state = parent.states.get(stateName);
  const processor = state?.Type === 'Map' ? (state.ItemProcessor ?? state.Iterator) : undefined;
  if (state?.Type !== 'Map' || !processor) {
    throw new ApiError('InternalFailure', `The Map state ${stateName} of ${parent.arn} is gone.`, 500);
  }
  const childName = execution.stateMachineArn.slice(execution.stateMachineArn.indexOf(':stateMachine:') + 14);
  return withEpochDates({
    stateMachineArn: execution.stateMachineArn,
    name: childName,
    definition: JSON.stringify(processor),
    roleArn: parent.roleArn,
    updateDate: parent.creationDate,
    ...logging,
    ...tracing,
    mapRunArn: execution.mapRunArn,
    label: childName.slice(childName.indexOf('/') + 1),
  });
};

/**
 * The redrive operations of the Step Functions API, and DescribeStateMachineForExecution.
 *
 * @example
 * ```ts
 * const { redriveDate } = (await REDRIVE_OPERATIONS.RedriveExecution?.(ctx, { executionArn })) as { redriveDate: number };
 * ```
 */
export const REDRIVE_OPERATIONS: Readonly<Record<string, Operation>> = {
  RedriveExecution: redriveExecution,
  DescribeStateMachineForExecution: describeStateMachineForExecution,
};
