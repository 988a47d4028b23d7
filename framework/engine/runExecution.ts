import { stateMachineName } from './arn.js';
import type { Machine } from './definition.js';
import { ExecutionAbortedError, StatesError } from './errors.js';
import type { ExecutionRecord, Position } from './execution.js';
import { runMachine } from './machine.js';
import type { MapRun } from './mapRun.js';
import { abortMapRuns } from './mapRunEvents.js';
import type { Runtime, Scope } from './runtime.js';
import { withTimeout } from './timeout.js';
import type { ExecutionStatus } from './types.js';

type Ending = [
  Exclude<ExecutionStatus, 'RUNNING'>,
  { output?: unknown; error?: string | undefined; cause?: string | undefined },
];

/**
 * Emits the event of an execution's final status; an execution that did not succeed first
 * aborts the Map Runs it leaves running.
 *
 * @example
 * ```ts
 * if (record.end('ABORTED', now, {})) emitExecutionEnd(rt, record);
 * ```
 */
export function emitExecutionEnd(rt: Runtime, record: ExecutionRecord): void {
  if (record.status !== 'SUCCEEDED') abortMapRuns(rt, record.executionArn);
  if (!rt.events.active) return;
  const at = { timestamp: rt.deps.now(), executionArn: record.executionArn };
  if (record.status === 'SUCCEEDED') {
    rt.events.emit({ ...at, type: 'ExecutionSucceeded', output: record.output });
    return;
  }
  const type =
    record.status === 'ABORTED'
      ? 'ExecutionAborted'
      : record.status === 'TIMED_OUT'
        ? 'ExecutionTimedOut'
        : 'ExecutionFailed';
  rt.events.emit({ ...at, type, error: record.error, cause: record.cause });
}

function ending(error: unknown, timedOut: boolean): Ending {
  if (timedOut && error instanceof StatesError)
    return ['TIMED_OUT', { error: error.error, cause: error.errorCause }];
  if (error instanceof ExecutionAbortedError) return ['ABORTED', {}];
  if (error instanceof StatesError)
    return ['FAILED', { error: error.error || undefined, cause: error.errorCause }];
  return [
    'FAILED',
    { error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) },
  ];
}

/** The last Map Run an execution started at a state, if it did not succeed: a redrive's to resume. */
function unfinishedMapRun(rt: Runtime, executionArn: string, stateName: string): MapRun | undefined {
  let found: MapRun | undefined;
  for (const run of rt.mapRuns.values()) {
    if (run.executionArn === executionArn && run.stateName === stateName) found = run;
  }
  return found && found.status !== 'SUCCEEDED' && found.batches ? found : undefined;
}

/**
 * Runs a top-level execution to its end: the machine under its `TimeoutSeconds` (past it the
 * execution is `TIMED_OUT`), then the final status (`SUCCEEDED`, `FAILED` with the error and
 * cause, `ABORTED`), its event, and `done`. Never rejects. With `from` (a redrive), it runs
 * from that state and input, and a failed Map Run of that state runs again.
 *
 * @example
 * ```ts
 * void runExecution(rt, record, machine);
 * ```
 */
export async function runExecution(
  rt: Runtime,
  record: ExecutionRecord,
  machine: Machine,
  from?: Position,
): Promise<void> {
  const mapRun = from ? unfinishedMapRun(rt, record.executionArn, from.name) : undefined;
  const scope: Scope = {
    rt,
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    signal: record.signal,
    context: {
      Execution: {
        Id: record.executionArn,
        Input: record.input,
        Name: record.name,
        RoleArn: '',
        StartTime: record.startDate.toISOString(),
        RedriveCount: record.redriveCount,
      },
      StateMachine: { Id: record.stateMachineArn, Name: stateMachineName(record.stateMachineArn) },
    },
    ...(mapRun ? { resume: { mapRun } } : {}),
  };
  const track = {
    ...(from ? { from } : {}),
    onEnter: (position: Position) => {
      record.position = position;
    },
  };
  let timedOut = false;
  let result: Ending;
  try {
    const output = await withTimeout(
      rt,
      machine.timeoutSeconds,
      record.signal,
      (signal) => runMachine(machine, record.input, { ...scope, signal }, track),
      () => {
        timedOut = true;
        return new StatesError(
          'States.Timeout',
          `The execution ran longer than its TimeoutSeconds (${machine.timeoutSeconds}).`,
        );
      },
    );
    result = ['SUCCEEDED', { output }];
  } catch (error) {
    result = ending(error, timedOut);
  }
  if (record.end(result[0], new Date(rt.deps.now()), result[1])) emitExecutionEnd(rt, record);
  record.settle();
}
