import { randomUUID } from 'node:crypto';
import type { Machine } from './definition.js';
import { ExecutionAbortedError, StatesError } from './errors.js';
import { assertPayloadSize } from './limits.js';
import { runMachine } from './machine.js';
import type { ChildRecord, MapRun } from './mapRun.js';
import type { Runtime, Scope } from './runtime.js';

/**
 * What a Map Run gives one child execution.
 *
 * @example
 * ```ts
 * const job: ChildJob = { run, machine, index: 0, input, items: 1, signal, keepInput: false };
 * ```
 */
export interface ChildJob {
  readonly run: MapRun;
  readonly machine: Machine;
  readonly index: number;
  readonly input: unknown;
  readonly items: number;
  readonly signal: AbortSignal;
  /** Keep the input JSON of every child (a ResultWriter exports it). */
  readonly keepInput: boolean;
}

function emitEnd(rt: Runtime, child: ChildRecord): void {
  if (!rt.events.active) return;
  const at = { timestamp: rt.deps.now(), executionArn: child.executionArn };
  if (child.status === 'SUCCEEDED')
    rt.events.emit({ ...at, type: 'ExecutionSucceeded', output: child.output });
  else {
    const type = child.status === 'ABORTED' ? 'ExecutionAborted' : 'ExecutionFailed';
    rt.events.emit({ ...at, type, error: child.error, cause: child.cause });
  }
}

/**
 * Runs one child execution of a Distributed Map: its own ARN
 * (`…:execution:<state machine>/<label>:<uuid>`), context object and Retry/Catch, the
 * ItemProcessor on its input. Never rejects: the outcome is recorded in the returned record
 * and in the Map Run's counts. An input larger than the payload limit fails the child with
 * `States.DataLimitExceeded` before it runs.
 *
 * @example
 * ```ts
 * const child = await runChildExecution(rt, { run, machine, index: 0, input, items: 1, signal, keepInput: false });
 * ```
 */
export async function runChildExecution(rt: Runtime, job: ChildJob): Promise<ChildRecord> {
  const { run } = job;
  const name = randomUUID();
  const executionArn = `${run.childMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const inputJson = JSON.stringify(job.input);
  const startDate = new Date(rt.deps.now());
  const child: ChildRecord = {
    name,
    executionArn,
    items: job.items,
    status: 'RUNNING',
    startDate,
    stopDate: undefined,
    inputJson: job.keepInput ? inputJson : undefined,
    output: undefined,
    error: undefined,
    cause: undefined,
  };
  run.started(child, job.index);
  if (rt.events.active) {
    const machineArn = run.childMachineArn;
    rt.events.emit({
      type: 'ExecutionStarted',
      timestamp: startDate.getTime(),
      executionArn,
      name,
      stateMachineArn: machineArn,
      mapRunArn: run.mapRunArn,
      input: job.input,
    });
  }
  const scope: Scope = {
    rt,
    executionArn,
    stateMachineArn: run.childMachineArn,
    signal: job.signal,
    context: {
      Execution: {
        Id: executionArn,
        Input: job.input,
        Name: name,
        RoleArn: '',
        StartTime: startDate.toISOString(),
        RedriveCount: 0,
      },
      StateMachine: {
        Id: run.childMachineArn,
        Name: run.childMachineArn.slice(run.childMachineArn.indexOf(':stateMachine:') + 14),
      },
    },
  };
  try {
    if (Buffer.byteLength(inputJson) > rt.limits.payloadBytes)
      assertPayloadSize(job.input, rt.limits.payloadBytes, 'ItemProcessor input');
    child.output = await runMachine(job.machine, job.input, scope);
    child.status = 'SUCCEEDED';
  } catch (error) {
    child.status = error instanceof ExecutionAbortedError ? 'ABORTED' : 'FAILED';
    if (error instanceof StatesError) {
      child.error = error.error;
      child.cause = error.errorCause;
    } else if (!(error instanceof ExecutionAbortedError)) {
      child.error = 'States.Runtime';
      child.cause = error instanceof Error ? error.message : String(error);
    }
    child.inputJson = inputJson;
  }
  child.stopDate = new Date(rt.deps.now());
  run.finished(child);
  emitEnd(rt, child);
  return child;
}
