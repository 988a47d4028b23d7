import type { MapState } from '../asl.js';
import { machineOf } from '../definition.js';
import { runDistributedMap } from '../distributedMap.js';
import { StatesError } from '../errors.js';
import { withRetryAndCatch } from '../handlers.js';
import { runMachine } from '../machine.js';
import { requirePath } from '../paths.js';
import { evalEnv, type Scope, stateContext } from '../runtime.js';
import { applyInputPath, finishState, type StateOutcome } from '../stateIo.js';
import { evaluateTemplate } from '../template.js';
import { runAllOrFail } from './parallel.js';

/**
 * The Map's concurrency: `MaxConcurrency` / `MaxConcurrencyPath`, or (0, unset) the engine's
 * `defaultMapConcurrency`.
 *
 * @example
 * ```ts
 * mapConcurrency({ Type: 'Map', MaxConcurrency: 5 } as MapState, {}, {}, 256); // 5
 * ```
 */
export function mapConcurrency(state: MapState, data: unknown, context: unknown, fallback: number): number {
  const value = state.MaxConcurrencyPath
    ? requirePath(state.MaxConcurrencyPath, data, context, 'MaxConcurrencyPath')
    : state.MaxConcurrency;
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
    throw new StatesError(
      'States.Runtime',
      `MaxConcurrency must be a non-negative integer, got ${JSON.stringify(value)}.`,
    );
  }
  return value ? value : fallback;
}

/**
 * The items of a Map without ItemReader: the array at `ItemsPath` (default `$`).
 *
 * @example
 * ```ts
 * mapItems({ Type: 'Map', ItemsPath: '$.xs' } as MapState, { xs: [1] }, {}); // [1]
 * ```
 */
export function mapItems(state: MapState, data: unknown, context: unknown): unknown[] {
  const items = state.ItemsPath ? requirePath(state.ItemsPath, data, context, 'ItemsPath') : data;
  if (!Array.isArray(items)) {
    throw new StatesError(
      'States.Runtime',
      `The Map items at '${state.ItemsPath ?? '$'}' must be an array, got ${typeof items}.`,
    );
  }
  return items;
}

/**
 * A Map state. Inline mode runs the ItemProcessor for every item within this execution
 * (ItemSelector or legacy Parameters get `$$.Map.Item.Index` / `Value`; any failing iteration
 * fails the state); Distributed mode starts a Map Run (see `runDistributedMap`). Then
 * ResultSelector, ResultPath, OutputPath, with Retry and Catch around it all.
 *
 * @example
 * ```ts
 * const { output } = await runMapState('EachItem', state, input, scope);
 * ```
 */
export function runMapState(
  name: string,
  state: MapState,
  input: unknown,
  scope: Scope,
): Promise<StateOutcome> {
  return withRetryAndCatch(name, state, input, scope, async (context) => {
    const env = evalEnv(scope, context);
    const data = applyInputPath(state.InputPath, input, context);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      return finishState(state, input, await runDistributedMap(name, state, data, scope, context), env);
    }
    const items = mapItems(state, data, context);
    const selector = state.ItemSelector ?? state.Parameters;
    const entered = (context as { State: { EnteredTime: string } }).State.EnteredTime;
    const machine = machineOf(processor as NonNullable<typeof processor>);
    const concurrency = mapConcurrency(state, data, context, scope.rt.defaultMapConcurrency);
    const outputs = await runAllOrFail(scope, items.length, concurrency, (i, child) => {
      const item = { Index: i, Value: items[i] };
      const itemInput =
        selector === undefined
          ? item.Value
          : evaluateTemplate(selector, data, evalEnv(scope, stateContext(scope, name, entered, 0, item)));
      return runMachine(machine, itemInput, child);
    });
    return finishState(state, input, outputs, env);
  });
}
