import type { Engine } from '../../engine/Engine.js';
import type { ApiContext, Operation } from '../../engine/http/context.js';
import { EXECUTION_OPERATIONS } from '../../engine/http/executionOps.js';
import { ExecutionHistory } from '../../engine/http/history.js';
import { RESOURCE_OPERATIONS } from '../../engine/http/resourceOps.js';
import { type RegisteredStateMachine, StateMachines } from '../../engine/http/stateMachines.js';
import type { Orchestrator } from '../orchestrator.js';

const OPERATIONS: Readonly<Record<string, Operation>> = { ...EXECUTION_OPERATIONS, ...RESOURCE_OPERATIONS };
const DATES = new Set(['startDate', 'stopDate', 'timestamp', 'creationDate']);
const ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** An answer of the engine's API with its epoch-second timestamps as dates, as the SDK gives them. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      DATES.has(key) && typeof v === 'number' ? new Date(Math.round(v * 1000)) : revive(v),
    ]),
  );
}

/**
 * The in-process adapter of the orchestrator port: the embedded engine's own Step Functions
 * operations (those its HTTP face serves to the offline cloud), called directly, so answers and
 * errors have the shapes Step Functions gives. A pause between polls ends as soon as the
 * execution does. `close()` stops recording execution histories.
 *
 * @example
 * ```ts
 * const orchestrator = engineOrchestrator(engine, [{ name: 'stepmr-local', arn, definition }]);
 * const { executionArn } = await orchestrator.startExecution({ stateMachineArn: arn, name: jobId, input });
 * ```
 */
export function engineOrchestrator(
  engine: Engine,
  stateMachines: readonly RegisteredStateMachine[],
): Orchestrator & { close(): void } {
  const machines = new StateMachines(stateMachines, new Date());
  const ctx: ApiContext = { engine, machines, history: new ExecutionHistory(engine, machines) };
  // biome-ignore lint/suspicious/noExplicitAny: each operation's answer has the shape the port names
  const call = async (name: string, input: object): Promise<any> =>
    revive(await (OPERATIONS[name] as Operation)(ctx, input as Record<string, unknown>));
  return {
    where: async () => 'this machine',
    startExecution: (input) => call('StartExecution', input),
    describeExecution: (input) => call('DescribeExecution', input),
    listExecutions: (input) => call('ListExecutions', input),
    stopExecution: (input) => call('StopExecution', input),
    listMapRuns: (input) => call('ListMapRuns', input),
    describeMapRun: (input) => call('DescribeMapRun', input),
    getExecutionHistory: (input) => call('GetExecutionHistory', input),
    pause: (ms, executionArn, signal) => untilEnded(engine, executionArn, ms, signal),
    close: () => ctx.history.close(),
  };
}

/** Resolves after `ms`, or once the execution has ended; rejects when `signal` aborts. */
function untilEnded(engine: Engine, executionArn: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    signal?.throwIfAborted();
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', aborted);
      if (error) reject(error);
      else resolve();
    };
    const aborted = () => finish(signal?.reason);
    const timer = setTimeout(finish, ms);
    const off = engine.on((event) => {
      if (event.executionArn === executionArn && ENDED.has(event.type)) finish();
    });
    signal?.addEventListener('abort', aborted, { once: true });
    // It may have ended while the last poll was being answered.
    if (engine.describeExecution(executionArn).status !== 'RUNNING') finish();
  });
}
