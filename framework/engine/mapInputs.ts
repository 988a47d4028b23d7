import type { MapState } from './asl.js';
import { type Batch, batchConfig, makeBatches } from './itemBatcher.js';
import { readItems } from './itemReader.js';
import { evalEnv, type Scope, stateContext } from './runtime.js';
import { mapItems } from './states/map.js';
import { evaluateTemplate } from './template.js';

/**
 * The inputs of a Distributed Map's child executions: the items (from the ItemReader, or the
 * array at ItemsPath), each passed through ItemSelector (or legacy Parameters) with
 * `$$.Map.Item.Index` / `Value`, then grouped by the ItemBatcher (one item per child without
 * one).
 *
 * @example
 * ```ts
 * const { itemCount, batches } = await childInputs('Shards', state, input, scope, context);
 * ```
 */
export async function childInputs(
  name: string,
  state: MapState,
  data: unknown,
  scope: Scope,
  context: unknown,
): Promise<{ itemCount: number; batches: Batch[] }> {
  const { rt } = scope;
  const env = evalEnv(scope, context);
  const raw = state.ItemReader
    ? await readItems(state.ItemReader, data, env, rt)
    : mapItems(state, data, context);
  const selector = state.ItemSelector ?? state.Parameters;
  const entered = (context as { State: { EnteredTime: string } }).State.EnteredTime;
  const select = (Value: unknown, Index: number) =>
    evaluateTemplate(selector, data, evalEnv(scope, stateContext(scope, name, entered, 0, { Index, Value })));
  const items = selector === undefined ? raw : raw.map(select);
  const batches = state.ItemBatcher
    ? makeBatches(items, batchConfig(state.ItemBatcher, data, env, rt))
    : items.map((input) => ({ input, items: 1 }));
  return { itemCount: items.length, batches };
}
