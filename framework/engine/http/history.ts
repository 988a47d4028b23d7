import type { Engine } from '../Engine.js';
import type { EngineEvent } from '../events.js';
import { epochSeconds } from './awsJson.js';
import type { StateMachines } from './stateMachines.js';

/** One `HistoryEvent` of GetExecutionHistory, as sent on the wire. */
export interface HistoryEventJson {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

interface Log {
  readonly stateMachineArn: string;
  readonly events: HistoryEventJson[];
  /** A child execution of a Map Run. */
  readonly child: boolean;
  /** The final event is recorded; what unwinds after a stop is not history. */
  ended: boolean;
}

type Shaped = { readonly type: string; readonly details: Record<string, unknown> };

const DATA_FIELDS = new Set(['input', 'inputDetails', 'output', 'outputDetails']);
const text = (value: unknown) => JSON.stringify(value ?? null);
const notTruncated = { truncated: false };
const errorCause = (e: { error: string | undefined; cause: string | undefined }) => ({
  ...(e.error !== undefined ? { error: e.error } : {}),
  ...(e.cause !== undefined ? { cause: e.cause } : {}),
});

/**
 * `TaskScheduled` / `TaskStarted` / `TaskSucceeded` of a Task, as AWS records them: for the
 * optimized integration (`arn:aws:states:::lambda:invoke`), resource type `lambda` and
 * resource `invoke`; for a Task whose Resource is a function ARN, `LambdaFunctionScheduled` /
 * `LambdaFunctionStarted` / `LambdaFunctionSucceeded`.
 */
function taskEvent(
  e: Extract<EngineEvent, { type: 'TaskScheduled' | 'TaskStarted' | 'TaskSucceeded' }>,
  machineArn: string,
): Shaped {
  const kind = e.type.slice('Task'.length) as 'Scheduled' | 'Started' | 'Succeeded';
  const timeouts = (key: string, seconds: number | undefined) =>
    seconds === undefined ? {} : { [key]: seconds };
  if (/^arn:aws[\w-]*:lambda:/.test(e.resource)) {
    const type = `LambdaFunction${kind}`;
    if (e.type === 'TaskStarted') return { type, details: {} };
    const key = `lambdaFunction${kind}EventDetails`;
    if (e.type === 'TaskSucceeded') {
      return { type, details: { [key]: { output: text(e.output), outputDetails: notTruncated } } };
    }
    const details = {
      resource: e.resource,
      input: text(e.parameters),
      inputDetails: notTruncated,
      ...timeouts('timeoutInSeconds', e.timeoutSeconds),
    };
    return { type, details: { [key]: details } };
  }
  // arn:aws:states:::lambda:invoke → resourceType 'lambda', resource 'invoke'
  const [resourceType = '', ...rest] = e.resource.split(':').slice(5);
  const resource = { resourceType, resource: rest.join(':') };
  const key = `task${kind}EventDetails`;
  if (e.type === 'TaskStarted') return { type: e.type, details: { [key]: resource } };
  if (e.type === 'TaskSucceeded') {
    const details = { ...resource, output: text(e.output), outputDetails: notTruncated };
    return { type: e.type, details: { [key]: details } };
  }
  const details = {
    ...resource,
    region: machineArn.split(':')[3] ?? '',
    parameters: text(e.parameters),
    ...timeouts('timeoutInSeconds', e.timeoutSeconds),
    ...timeouts('heartbeatInSeconds', e.heartbeatSeconds),
  };
  return { type: e.type, details: { [key]: details } };
}

/** An event without the execution's data (GetExecutionHistory with includeExecutionData false). */
function withoutData(event: HistoryEventJson): HistoryEventJson {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value !== null && typeof value === 'object') {
      copy[key] = Object.fromEntries(Object.entries(value).filter(([field]) => !DATA_FIELDS.has(field)));
    }
  }
  return copy as HistoryEventJson;
}

/**
 * Keeps the history of every top-level execution the engine runs, and of the child executions
 * of a Distributed Map whose ItemProcessor is `STANDARD` (AWS keeps none for `EXPRESS`
 * children), built from the engine's events and shaped as GetExecutionHistory returns it:
 * `ExecutionStarted`, `<Type>StateEntered` / `<Type>StateExited`, `TaskScheduled` /
 * `TaskStarted` / `TaskSucceeded` / `TaskFailed` (`LambdaFunction…` for a Task whose Resource
 * is a function ARN), `MapRunStarted` / `MapRunSucceeded` / `MapRunFailed` / `MapRunAborted`,
 * `ExecutionRedriven` / `MapRunRedriven`, and the execution's final event. At most
 * `maxFinished` finished top-level executions, and `maxFinishedChildren` children, are kept.
 *
 * @example
 * ```ts
 * const history = new ExecutionHistory(engine, machines);
 * const events = history.events(executionArn, true); // undefined for an unknown execution
 * ```
 */
export class ExecutionHistory {
  readonly #logs = new Map<string, Log>();
  readonly #finished: string[] = [];
  readonly #finishedChildren: string[] = [];
  /** Map Runs whose children are STANDARD executions, which keep a history. */
  readonly #standardRuns = new Set<string>();
  readonly #unsubscribe: () => void;

  constructor(
    engine: Engine,
    private readonly machines: StateMachines,
    private readonly maxFinished = 1000,
    private readonly maxFinishedChildren = 10_000,
  ) {
    this.#unsubscribe = engine.on((event) => this.#record(event));
  }

  /** The execution's events, oldest first, with or without inputs and outputs. */
  events(executionArn: string, includeData: boolean): readonly HistoryEventJson[] | undefined {
    const events = this.#logs.get(executionArn)?.events;
    return includeData ? events : events?.map(withoutData);
  }

  /** Keeps the finished history of an execution of an earlier run (see ExecutionStore). */
  restore(executionArn: string, stateMachineArn: string, events: readonly HistoryEventJson[]): void {
    if (this.#logs.has(executionArn)) return;
    // Only top-level executions are stored (see ExecutionStore).
    this.#logs.set(executionArn, { stateMachineArn, events: [...events], child: false, ended: true });
    this.#retire(executionArn, false);
  }

  /** Stops recording. */
  close(): void {
    this.#unsubscribe();
  }

  #record(event: EngineEvent): void {
    if (event.type === 'ExecutionStarted' && this.#keepsHistory(event.mapRunArn)) {
      this.#logs.set(event.executionArn, {
        stateMachineArn: event.stateMachineArn,
        events: [],
        ended: false,
        child: event.mapRunArn !== undefined,
      });
    }
    const log = this.#logs.get(event.executionArn);
    this.#noteMapRun(event, log?.stateMachineArn);
    if (!log) return;
    if (event.type === 'ExecutionRedriven' && log.ended) {
      log.ended = false;
      const at = this.#finished.indexOf(event.executionArn);
      if (at >= 0) this.#finished.splice(at, 1);
    }
    if (log.ended) return;
    const shaped = this.#shape(event, log.stateMachineArn);
    if (!shaped) return;
    const id = log.events.length + 1;
    const timestamp = epochSeconds(new Date(event.timestamp));
    log.events.push({ id, previousEventId: id - 1, timestamp, type: shaped.type, ...shaped.details });
    if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(shaped.type)) {
      log.ended = true;
      this.#retire(event.executionArn, log.child);
    }
  }

  #retire(executionArn: string, child: boolean): void {
    const finished = child ? this.#finishedChildren : this.#finished;
    finished.push(executionArn);
    const max = child ? this.maxFinishedChildren : this.maxFinished;
    while (finished.length > max) this.#logs.delete(finished.shift() as string);
  }

  /** The registered machine of an ARN, or for a Map Run's child machine (`<machine>/<label>`), its parent's. */
  #machine(machineArn: string) {
    const slash = machineArn.indexOf('/', machineArn.indexOf(':stateMachine:'));
    return this.machines.find(slash < 0 ? machineArn : machineArn.slice(0, slash));
  }

  /** Top-level executions keep a history; children of a Map Run only when they are STANDARD. */
  #keepsHistory(mapRunArn: string | undefined): boolean {
    return mapRunArn === undefined || this.#standardRuns.has(mapRunArn);
  }

  /** Notes the Map Runs whose children are STANDARD executions, as they start. */
  #noteMapRun(e: EngineEvent, machineArn: string | undefined): void {
    if (e.type !== 'MapRunStarted' && e.type !== 'MapRunRedriven') return;
    const state = machineArn === undefined ? undefined : this.#stateOf(machineArn, e.stateName);
    const processor = state?.Type === 'Map' ? (state.ItemProcessor ?? state.Iterator) : undefined;
    if (processor?.ProcessorConfig?.ExecutionType === 'STANDARD') this.#standardRuns.add(e.mapRunArn);
  }

  #stateOf(machineArn: string, name: string) {
    return this.#machine(machineArn)?.states.get(name);
  }

  #shape(e: EngineEvent, machineArn: string): Shaped | undefined {
    switch (e.type) {
      case 'ExecutionStarted': {
        const roleArn = this.#machine(machineArn)?.roleArn ?? '';
        const details = { input: text(e.input), inputDetails: notTruncated, roleArn };
        return { type: e.type, details: { executionStartedEventDetails: details } };
      }
      case 'ExecutionSucceeded': {
        const details = { output: text(e.output), outputDetails: notTruncated };
        return { type: e.type, details: { executionSucceededEventDetails: details } };
      }
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimedOut': {
        const key = `${e.type[0]?.toLowerCase()}${e.type.slice(1)}EventDetails`;
        return { type: e.type, details: { [key]: errorCause(e) } };
      }
      case 'StateEntered':
        return {
          type: `${this.#stateOf(machineArn, e.name)?.Type ?? 'Task'}StateEntered`,
          details: {
            stateEnteredEventDetails: { name: e.name, input: text(e.input), inputDetails: notTruncated },
          },
        };
      case 'StateExited':
        return {
          type: `${this.#stateOf(machineArn, e.name)?.Type ?? 'Task'}StateExited`,
          details: {
            stateExitedEventDetails: { name: e.name, output: text(e.output), outputDetails: notTruncated },
          },
        };
      case 'ExecutionRedriven':
        return { type: e.type, details: { executionRedrivenEventDetails: { redriveCount: e.redriveCount } } };
      case 'TaskScheduled':
      case 'TaskStarted':
      case 'TaskSucceeded':
        return taskEvent(e, machineArn);
      case 'TaskFailed':
        return this.#taskFailed(e, machineArn);
      case 'MapRunRedriven': {
        const details = { mapRunArn: e.mapRunArn, redriveCount: e.redriveCount };
        return { type: e.type, details: { mapRunRedrivenEventDetails: details } };
      }
      case 'MapRunStarted':
        return { type: e.type, details: { mapRunStartedEventDetails: { mapRunArn: e.mapRunArn } } };
      case 'MapRunFailed':
        return { type: e.type, details: { mapRunFailedEventDetails: errorCause(e) } };
      case 'MapRunSucceeded':
      case 'MapRunAborted':
        return { type: e.type, details: {} };
      default:
        // TaskRetry and MapRunProgress have no counterpart in a Step Functions history.
        return undefined;
    }
  }

  #taskFailed(e: Extract<EngineEvent, { type: 'TaskFailed' }>, machineArn: string): Shaped {
    const state = this.#stateOf(machineArn, e.name);
    const resource = state?.Type === 'Task' ? state.Resource : '';
    if (resource.startsWith('arn:aws:lambda:')) {
      return { type: 'LambdaFunctionFailed', details: { lambdaFunctionFailedEventDetails: errorCause(e) } };
    }
    // arn:aws:states:::lambda:invoke → resourceType 'lambda', resource 'invoke'
    const [resourceType = '', ...rest] = resource.split(':').slice(5);
    const details = { resourceType, resource: rest.join(':'), ...errorCause(e) };
    return { type: 'TaskFailed', details: { taskFailedEventDetails: details } };
  }
}
