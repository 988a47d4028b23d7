import type { MapRunCounts } from './types.js';

interface At {
  /** `deps.now()` when it happened, in epoch ms. */
  readonly timestamp: number;
  /** The execution (a Distributed Map child execution has its own). */
  readonly executionArn: string;
}

/**
 * What the engine reports while it runs, for progress bars and logs. Child executions of a
 * Distributed Map report too; their `ExecutionStarted` carries the `mapRunArn`.
 *
 * @example
 * ```ts
 * engine.on((e) => {
 *   if (e.type === 'MapRunProgress') console.log(e.itemCounts.succeeded, '/', e.itemCounts.total);
 * });
 * ```
 */
export type EngineEvent = At &
  (
    | {
        readonly type: 'ExecutionStarted';
        readonly name: string;
        readonly stateMachineArn: string;
        readonly mapRunArn: string | undefined;
        readonly input: unknown;
      }
    | { readonly type: 'ExecutionSucceeded'; readonly output: unknown }
    | {
        readonly type: 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut';
        readonly error: string | undefined;
        readonly cause: string | undefined;
      }
    | {
        /** A finished execution runs again from where it failed (`RedriveExecution`). */
        readonly type: 'ExecutionRedriven';
        /** 1 for the first redrive. */
        readonly redriveCount: number;
      }
    | { readonly type: 'StateEntered'; readonly name: string; readonly input: unknown }
    | {
        /** A Task is about to call its resource with `parameters` (its effective input). */
        readonly type: 'TaskScheduled';
        readonly name: string;
        readonly resource: string;
        readonly parameters: unknown;
        /** The state's TimeoutSeconds / HeartbeatSeconds for this attempt, if any. */
        readonly timeoutSeconds: number | undefined;
        readonly heartbeatSeconds: number | undefined;
      }
    | { readonly type: 'TaskStarted'; readonly name: string; readonly resource: string }
    | {
        readonly type: 'TaskSucceeded';
        readonly name: string;
        readonly resource: string;
        /** The resource's result, before ResultSelector and ResultPath. */
        readonly output: unknown;
      }
    | { readonly type: 'StateExited'; readonly name: string; readonly output: unknown }
    | {
        readonly type: 'TaskFailed';
        readonly name: string;
        readonly error: string;
        readonly cause: string | undefined;
      }
    | {
        readonly type: 'TaskRetry';
        readonly name: string;
        readonly error: string;
        /** 1 for the first retry of the matching retrier. */
        readonly attempt: number;
        readonly delayMs: number;
      }
    | {
        readonly type: 'MapRunStarted';
        /** The Map state's name. */
        readonly stateName: string;
        readonly mapRunArn: string;
        /** Number of items. */
        readonly total: number;
        /** Number of child executions (fewer than items with an ItemBatcher). */
        readonly totalExecutions: number;
      }
    | {
        readonly type: 'MapRunProgress' | 'MapRunSucceeded' | 'MapRunAborted';
        readonly stateName: string;
        readonly mapRunArn: string;
        readonly itemCounts: MapRunCounts;
        readonly executionCounts: MapRunCounts;
      }
    | {
        /** A failed Map Run runs its unsuccessful child executions again, in a redriven execution. */
        readonly type: 'MapRunRedriven';
        readonly stateName: string;
        readonly mapRunArn: string;
        readonly redriveCount: number;
      }
    | {
        readonly type: 'MapRunFailed';
        readonly stateName: string;
        readonly mapRunArn: string;
        readonly itemCounts: MapRunCounts;
        readonly executionCounts: MapRunCounts;
        readonly error: string;
        readonly cause: string | undefined;
      }
  );

/**
 * A listener of {@link EngineEvent}s. It runs synchronously in the engine's flow: keep it fast;
 * what it throws is ignored.
 *
 * @example
 * ```ts
 * const log: EngineListener = (e) => console.log(e.type);
 * ```
 */
export type EngineListener = (event: EngineEvent) => void;

/**
 * The engine's listener registry.
 *
 * @example
 * ```ts
 * const emitter = new Emitter();
 * const off = emitter.on((e) => console.log(e.type));
 * off();
 * ```
 */
export class Emitter {
  private readonly listeners = new Set<EngineListener>();

  /** Whether anyone listens: callers skip building events when nobody does. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not change the execution.
      }
    }
  }
}
