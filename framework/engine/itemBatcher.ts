import type { ItemBatcherDefinition } from './asl.js';
import { StatesError } from './errors.js';
import { jsonBytes } from './limits.js';
import { requirePath } from './paths.js';
import type { Runtime } from './runtime.js';
import { type EvalEnv, evaluateTemplate } from './template.js';

/**
 * How items are grouped into batches.
 *
 * @example
 * ```ts
 * const config: BatchConfig = { maxItems: 10, maxBytes: 262144, batchInput: undefined };
 * ```
 */
export interface BatchConfig {
  readonly maxItems: number;
  readonly maxBytes: number;
  /** The evaluated `BatchInput`, if any. */
  readonly batchInput: unknown;
}

/**
 * One child execution's input and the number of items in it.
 *
 * @example
 * ```ts
 * const batch: Batch = { input: { Items: [1, 2] }, items: 2 };
 * ```
 */
export interface Batch {
  readonly input: unknown;
  readonly items: number;
}

function positive(
  value: unknown,
  path: string | undefined,
  input: unknown,
  env: EvalEnv,
  field: string,
): number | undefined {
  const found = path ? requirePath(path, input, env.context, `${field}Path`) : value;
  if (found === undefined || found === 0) return undefined;
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 0) {
    throw new StatesError(
      'States.Runtime',
      `ItemBatcher.${field} must be a positive integer, got ${JSON.stringify(found)}.`,
    );
  }
  return found;
}

/**
 * Resolves an ItemBatcher against the Map's input: `MaxItemsPerBatch(Path)`,
 * `MaxInputBytesPerBatch(Path)` (never above the 256 KiB batch ceiling) and `BatchInput`.
 *
 * @example
 * ```ts
 * const config = batchConfig({ MaxItemsPerBatch: 10 }, input, env, rt);
 * ```
 */
export function batchConfig(
  def: ItemBatcherDefinition,
  input: unknown,
  env: EvalEnv,
  rt: Runtime,
): BatchConfig {
  const maxItems = positive(def.MaxItemsPerBatch, def.MaxItemsPerBatchPath, input, env, 'MaxItemsPerBatch');
  const maxBytes = positive(
    def.MaxInputBytesPerBatch,
    def.MaxInputBytesPerBatchPath,
    input,
    env,
    'MaxInputBytesPerBatch',
  );
  return {
    maxItems: maxItems ?? Number.POSITIVE_INFINITY,
    maxBytes: Math.min(maxBytes ?? Number.POSITIVE_INFINITY, rt.limits.batchBytes),
    batchInput: def.BatchInput === undefined ? undefined : evaluateTemplate(def.BatchInput, input, env),
  };
}

/**
 * Groups items, in order, into child inputs `{ BatchInput?, Items }`: a batch closes when it
 * holds `maxItems` items or when one more item would make the child input (its whole JSON
 * text, BatchInput included) larger than `maxBytes`. An item too large on its own still gets
 * a batch; that child execution then fails with `States.DataLimitExceeded`.
 *
 * @example
 * ```ts
 * makeBatches([1, 2, 3], { maxItems: 2, maxBytes: 262144, batchInput: undefined });
 * // [{ input: { Items: [1, 2] }, items: 2 }, { input: { Items: [3] }, items: 1 }]
 * ```
 */
export function makeBatches(items: readonly unknown[], config: BatchConfig): Batch[] {
  const wrap = (list: unknown[]) =>
    config.batchInput === undefined ? { Items: list } : { BatchInput: config.batchInput, Items: list };
  const base = jsonBytes(wrap([]));
  const batches: Batch[] = [];
  let current: unknown[] = [];
  let bytes = base;
  for (const item of items) {
    const size = jsonBytes(item);
    const comma = current.length > 0 ? 1 : 0;
    if (current.length > 0 && (current.length >= config.maxItems || bytes + comma + size > config.maxBytes)) {
      batches.push({ input: wrap(current), items: current.length });
      current = [];
      bytes = base;
    }
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(item);
  }
  if (current.length > 0) batches.push({ input: wrap(current), items: current.length });
  return batches;
}
