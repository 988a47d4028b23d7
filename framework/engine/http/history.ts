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
 * Keeps the history of every top-level execution the engine runs, built from the engine's
 * events and shaped as GetExecutionHistory returns it: `ExecutionStarted`, `<Type>StateEntered`
 * / `<Type>StateExited`, `TaskFailed` / `LambdaFunctionFailed`, `MapRunStarted` /
 * `MapRunSucceeded` / `MapRunFailed` / `MapRunAborted`, and the execution's final event. The
 * engine reports no task scheduling or success events, so those are absent; child executions
 * of a Distributed Map keep no history. At most `maxFinished` finished executions are kept.
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
  readonly #unsubscribe: () => void;

  constructor(
    engine: Engine,
    private readonly machines: StateMachines,
    private readonly maxFinished = 1000,
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
    this.#logs.set(executionArn, { stateMachineArn, events: [...events], ended: true });
    this.#retire(executionArn);
  }

  /** Stops recording. */
  close(): void {
    this.#unsubscribe();
  }

  #record(event: EngineEvent): void {
    if (event.type === 'ExecutionStarted' && event.mapRunArn === undefined) {
      this.#logs.set(event.executionArn, {
        stateMachineArn: event.stateMachineArn,
        events: [],
        ended: false,
      });
    }
    const log = this.#logs.get(event.executionArn);
    if (!log || log.ended) return;
    const shaped = this.#shape(event, log.stateMachineArn);
    if (!shaped) return;
    const id = log.events.length + 1;
    const timestamp = epochSeconds(new Date(event.timestamp));
    log.events.push({ id, previousEventId: id - 1, timestamp, type: shaped.type, ...shaped.details });
    if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(shaped.type)) {
      log.ended = true;
      this.#retire(event.executionArn);
    }
  }

  #retire(executionArn: string): void {
    this.#finished.push(executionArn);
    while (this.#finished.length > this.maxFinished) this.#logs.delete(this.#finished.shift() as string);
  }

  #stateOf(machineArn: string, name: string) {
    return this.machines.find(machineArn)?.states.get(name);
  }

  #shape(e: EngineEvent, machineArn: string): Shaped | undefined {
    switch (e.type) {
      case 'ExecutionStarted': {
        const roleArn = this.machines.find(machineArn)?.roleArn ?? '';
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
      case 'TaskFailed':
        return this.#taskFailed(e, machineArn);
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
