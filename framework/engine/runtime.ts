import type { Store } from '../store/Store.js';
import type { Emitter } from './events.js';
import type { Invoker } from './Invoker.js';
import type { EngineLimits } from './limits.js';
import type { MapRun } from './mapRun.js';
import type { EngineDeps } from './options.js';
import type { EvalEnv } from './template.js';

/**
 * What every part of a running engine shares. Internal.
 *
 * @example
 * ```ts
 * const limit = scope.rt.limits.payloadBytes;
 * ```
 */
export interface Runtime {
  readonly invoker: Invoker;
  readonly stores: ((bucket: string) => Store) | undefined;
  readonly deps: EngineDeps;
  readonly limits: EngineLimits;
  readonly region: string;
  readonly accountId: string;
  readonly defaultMapConcurrency: number;
  readonly events: Emitter;
  readonly mapRuns: Map<string, MapRun>;
}

/**
 * The `Execution` and `StateMachine` parts of the context object, shared by all states.
 *
 * @example
 * ```ts
 * scope.context.Execution.Name; // the execution's name
 * ```
 */
export interface ContextBase {
  readonly Execution: {
    readonly Id: string;
    readonly Input: unknown;
    readonly Name: string;
    readonly RoleArn: string;
    readonly StartTime: string;
    readonly RedriveCount: number;
  };
  readonly StateMachine: { readonly Id: string; readonly Name: string };
}

/**
 * One execution (top-level or a Distributed Map child) as the states see it. Internal.
 *
 * @example
 * ```ts
 * if (scope.signal.aborted) throw new ExecutionAbortedError();
 * ```
 */
export interface Scope {
  readonly rt: Runtime;
  readonly executionArn: string;
  readonly stateMachineArn: string;
  /** Aborted when the execution is stopped or times out (or its Map Run fails). */
  readonly signal: AbortSignal;
  readonly context: ContextBase;
  /**
   * In a redriven execution, the failed Map Run of the state it resumes at: that state's
   * Distributed Map takes it (once) and runs its unsuccessful children again.
   */
  readonly resume?: { mapRun: MapRun | undefined };
}

/**
 * The context object (`$$`) of one state: `Execution`, `StateMachine`, `State` and, inside a
 * Map's `ItemSelector`, `Map.Item`.
 *
 * @example
 * ```ts
 * const ctx = stateContext(scope, 'MyState', '2024-01-01T00:00:00.000Z', 0);
 * ```
 */
export function stateContext(
  scope: Scope,
  name: string,
  enteredTime: string,
  retryCount: number,
  item?: { Index: number; Value: unknown },
): unknown {
  const State = { Name: name, EnteredTime: enteredTime, RetryCount: retryCount };
  const base = { Execution: scope.context.Execution, StateMachine: scope.context.StateMachine, State };
  return item === undefined ? base : { ...base, Map: { Item: item } };
}

/**
 * The environment payload templates and intrinsics are evaluated in.
 *
 * @example
 * ```ts
 * evaluateTemplate(state.Parameters, input, evalEnv(scope, ctx));
 * ```
 */
export function evalEnv(scope: Scope, context: unknown): EvalEnv {
  return { context, random: scope.rt.deps.random, limits: scope.rt.limits };
}

/**
 * ISO-8601 text of `deps.now()`, as `$$.State.EnteredTime` shows it.
 *
 * @example
 * ```ts
 * isoNow(rt); // '2024-01-01T00:00:00.000Z'
 * ```
 */
export function isoNow(rt: Runtime): string {
  return new Date(rt.deps.now()).toISOString();
}
