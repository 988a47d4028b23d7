import { randomUUID } from 'node:crypto';
import { executionArn, stateMachineArn } from './arn.js';
import { loadDefinition } from './definition.js';
import {
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  ExecutionNotRedrivableError,
  ResourceNotFoundError,
} from './errors.js';
import { Emitter, type EngineListener } from './events.js';
import { ExecutionRecord } from './execution.js';
import { checkExecutionInput, checkExecutionName } from './executionInput.js';
import { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
import { defaultDeps, type EngineOptions } from './options.js';
import { redriveStatus } from './redrive.js';
import { emitExecutionEnd, runExecution } from './runExecution.js';
import type { Runtime } from './runtime.js';
import type {
  DescribeExecutionOutput,
  DescribeMapRunOutput,
  Execution,
  ExecutionListItem,
  ExecutionStatus,
  MapRunListItem,
  StartExecutionInput,
} from './types.js';

/**
 * The embedded Step Functions: runs Amazon States Language definitions (Distributed Map
 * included) as AWS does, calling Lambda functions through an {@link Invoker} and S3 through
 * {@link Store}s. Its methods mirror the Step Functions API (StartExecution, DescribeExecution,
 * ListExecutions, StopExecution, DescribeMapRun, ListMapRuns).
 *
 * @example
 * ```ts
 * const engine = new Engine({ invoker, stores: (bucket) => stores[bucket] });
 * const execution = engine.startExecution({ definition, input: { jobId: 'j1' } });
 * await execution.done;
 * console.log(execution.status, execution.output);
 * ```
 */
export class Engine {
  private readonly rt: Runtime;
  private readonly executions = new Map<string, ExecutionRecord>();
  /** ARNs of finished executions still remembered, the first finished first. */
  private readonly finished: string[] = [];
  private readonly maxFinished: number;

  constructor(options: EngineOptions) {
    const max = options.maxFinishedExecutions ?? 1000;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`maxFinishedExecutions must be a whole number, 0 or more, got ${max}`);
    }
    this.maxFinished = max;
    const events = new Emitter();
    if (options.onEvent) events.on(options.onEvent);
    this.rt = {
      invoker: options.invoker,
      stores: options.stores,
      deps: { ...defaultDeps, ...options.deps },
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '123456789012',
      defaultMapConcurrency: options.defaultMapConcurrency ?? 256,
      events,
      mapRuns: new Map(),
    };
  }

  /** The AWS limits this engine enforces. */
  get limits(): EngineLimits {
    return this.rt.limits;
  }

  /** Adds an event listener; returns the function that removes it. */
  on(listener: EngineListener): () => void {
    return this.rt.events.on(listener);
  }

  /**
   * `StartExecution`: checks the definition and input (throwing `DefinitionError`,
   * `InvalidExecutionInputError`, `InvalidNameError`, `ExecutionAlreadyExistsError`) and
   * returns the running execution at once.
   */
  startExecution(params: StartExecutionInput): Execution {
    const { rt } = this;
    const machine = loadDefinition(params.definition);
    const machineArn = params.stateMachineArn ?? stateMachineArn(rt.region, rt.accountId, 'StateMachine');
    const name = params.name ?? randomUUID();
    checkExecutionName(name, rt.limits);
    const input = checkExecutionInput(params.input, rt.limits);
    const arn = executionArn(machineArn, name);
    if (this.executions.has(arn))
      throw new ExecutionAlreadyExistsError(`An execution named "${name}" already exists: ${arn}.`);
    const startDate = new Date(rt.deps.now());
    const record = new ExecutionRecord(
      { executionArn: arn, stateMachineArn: machineArn, name, startDate, input, machine },
      (r) => {
        const at = new Date(rt.deps.now());
        if (r.end('ABORTED', at, {})) emitExecutionEnd(rt, r);
        return at;
      },
    );
    this.executions.set(arn, record);
    if (rt.events.active) {
      rt.events.emit({
        type: 'ExecutionStarted',
        timestamp: startDate.getTime(),
        executionArn: arn,
        name,
        stateMachineArn: machineArn,
        mapRunArn: undefined,
        input,
      });
    }
    void runExecution(rt, record, machine);
    void record.done.then(() => this.retire(record.executionArn));
    return record;
  }

  /**
   * `StopExecution` of a top-level execution: it ends `ABORTED` with `error` and `cause`. A
   * finished execution stays as it was; its stop date is returned.
   */
  async stopExecution(executionArn: string, error?: string, cause?: string): Promise<{ stopDate: Date }> {
    const record = this.executions.get(executionArn);
    if (!record) throw new ExecutionDoesNotExistError(`Execution does not exist: ${executionArn}.`);
    return record.stop(error, cause);
  }

  /**
   * `RedriveExecution`: runs a FAILED, TIMED_OUT or ABORTED top-level execution that ended
   * within 14 days again, under the same ARN and input, from the state it stopped in, with
   * that state's input (the states before it are not run again). A Distributed Map whose Map
   * Run failed runs only its unsuccessful children again. `redriveCount` and
   * `$$.Execution.RedriveCount` go up by one. Anything else is `ExecutionNotRedrivableError`
   * (with AWS's reason), an unknown ARN `ExecutionDoesNotExistError`.
   */
  redriveExecution(executionArn: string): { redriveDate: Date } {
    const { rt } = this;
    const record = this.executions.get(executionArn);
    if (!record) {
      if (this.describeChildOrUndefined(executionArn)) {
        throw new ExecutionNotRedrivableError(
          `Execution ${executionArn} is a child execution of a Distributed Map: redrive its parent execution instead.`,
        );
      }
      throw new ExecutionDoesNotExistError(`Execution does not exist: ${executionArn}.`);
    }
    const status = redriveStatus(record, rt.deps.now());
    if (status.redriveStatus !== 'REDRIVABLE') {
      throw new ExecutionNotRedrivableError(`Execution ${executionArn}: ${status.redriveStatusReason}.`);
    }
    const from = record.position as NonNullable<typeof record.position>;
    const redriveDate = new Date(rt.deps.now());
    record.redrive(redriveDate);
    const at = this.finished.indexOf(executionArn);
    if (at >= 0) this.finished.splice(at, 1);
    if (rt.events.active) {
      rt.events.emit({
        type: 'ExecutionRedriven',
        timestamp: redriveDate.getTime(),
        executionArn,
        redriveCount: record.redriveCount,
      });
    }
    void runExecution(rt, record, record.machine, from);
    void record.done.then(() => this.retire(record.executionArn));
    return { redriveDate };
  }

  /** Remembers a finished execution; forgets the first finished ones past `maxFinishedExecutions`. */
  private retire(executionArn: string): void {
    this.finished.push(executionArn);
    while (this.finished.length > this.maxFinished) {
      const arn = this.finished.shift() as string;
      this.executions.delete(arn);
      for (const [mapRunArn, run] of this.rt.mapRuns) {
        if (run.executionArn === arn) this.rt.mapRuns.delete(mapRunArn);
      }
    }
  }

  /** `DescribeExecution`, for top-level executions and Distributed Map children. */
  describeExecution(executionArn: string): DescribeExecutionOutput {
    const record = this.executions.get(executionArn);
    if (record) return { ...record.describe(), ...redriveStatus(record, this.rt.deps.now()) };
    const child = this.describeChildOrUndefined(executionArn);
    if (child) return child;
    throw new ExecutionDoesNotExistError(`Execution does not exist: ${executionArn}.`);
  }

  private describeChildOrUndefined(executionArn: string): DescribeExecutionOutput | undefined {
    for (const run of this.rt.mapRuns.values()) {
      const child = run.describeChild(executionArn);
      if (child) return child;
    }
    return undefined;
  }

  /** `ListExecutions`: newest first; by state machine, status, or the children of a Map Run. */
  listExecutions(
    filter: { stateMachineArn?: string; statusFilter?: ExecutionStatus; mapRunArn?: string } = {},
  ): {
    executions: ExecutionListItem[];
  } {
    let items: ExecutionListItem[];
    if (filter.mapRunArn !== undefined) {
      const run = this.rt.mapRuns.get(filter.mapRunArn);
      if (!run) throw new ResourceNotFoundError(`Map Run does not exist: ${filter.mapRunArn}.`);
      items = run.listChildren();
    } else {
      items = [...this.executions.values()]
        .filter((r) => filter.stateMachineArn === undefined || r.stateMachineArn === filter.stateMachineArn)
        .map((r) => r.listItem());
    }
    const executions = items.filter(
      (i) => filter.statusFilter === undefined || i.status === filter.statusFilter,
    );
    return { executions: executions.sort((a, b) => b.startDate.getTime() - a.startDate.getTime()) };
  }

  /** `DescribeMapRun`. */
  describeMapRun(mapRunArn: string): DescribeMapRunOutput {
    const run = this.rt.mapRuns.get(mapRunArn);
    if (!run) throw new ResourceNotFoundError(`Map Run does not exist: ${mapRunArn}.`);
    return run.describe();
  }

  /** The name of the Map state that started a Map Run. */
  mapRunStateName(mapRunArn: string): string {
    const run = this.rt.mapRuns.get(mapRunArn);
    if (!run) throw new ResourceNotFoundError(`Map Run does not exist: ${mapRunArn}.`);
    return run.stateName;
  }

  /** `ListMapRuns` of an execution, oldest first. */
  listMapRuns(executionArn: string): { mapRuns: MapRunListItem[] } {
    return {
      mapRuns: [...this.rt.mapRuns.values()]
        .filter((r) => r.executionArn === executionArn)
        .map((r) => r.listItem()),
    };
  }
}
