import { randomUUID } from 'node:crypto';
import { linkedController } from './abort.js';
import { mapRunArns } from './arn.js';
import type { MapState } from './asl.js';
import { runChildExecution } from './childExecution.js';
import { machineOf } from './definition.js';
import { ExecutionAbortedError, StatesError } from './errors.js';
import { type Batch, batchConfig, makeBatches } from './itemBatcher.js';
import { readItems } from './itemReader.js';
import { MapRun } from './mapRun.js';
import { runPool } from './pool.js';
import { mapOutputs, writeResults } from './resultWriter.js';
import { evalEnv, type Scope, stateContext } from './runtime.js';
import { mapConcurrency, mapItems } from './states/map.js';
import { evaluateTemplate } from './template.js';
import { exceedsTolerance, toleranceOf } from './tolerance.js';

function finish(
  run: MapRun,
  scope: Scope,
  stateName: string,
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED',
  failure?: StatesError,
): void {
  const { rt } = scope;
  run.status = status;
  run.stopDate = new Date(rt.deps.now());
  if (!rt.events.active) return;
  const at = {
    timestamp: run.stopDate.getTime(),
    executionArn: scope.executionArn,
    mapRunArn: run.mapRunArn,
    stateName,
  };
  const counts = { itemCounts: { ...run.itemCounts }, executionCounts: { ...run.executionCounts } };
  if (status === 'FAILED' && failure) {
    rt.events.emit({
      ...at,
      ...counts,
      type: 'MapRunFailed',
      error: failure.error,
      cause: failure.errorCause,
    });
  } else {
    rt.events.emit({ ...at, ...counts, type: status === 'SUCCEEDED' ? 'MapRunSucceeded' : 'MapRunAborted' });
  }
}

/**
 * A Map in Distributed mode: reads the items (ItemReader, or the array at ItemsPath), applies
 * ItemSelector per item, groups them (ItemBatcher), then starts a Map Run of child executions,
 * at most MaxConcurrency at once. Once failed items exceed ToleratedFailureCount /
 * ToleratedFailurePercentage (neither set: any failure), no new child starts, the running ones
 * are aborted and the state fails with `States.ExceedToleratedFailureThreshold`. The result is
 * `{ MapRunArn, ResultWriterDetails }` with a ResultWriter, else the child outputs in order.
 *
 * @example
 * ```ts
 * const result = await runDistributedMap('Shards', state, input, scope, context);
 * ```
 */
export async function runDistributedMap(
  name: string,
  state: MapState,
  data: unknown,
  scope: Scope,
  context: unknown,
): Promise<unknown> {
  const { rt } = scope;
  const env = evalEnv(scope, context);
  const raw = state.ItemReader
    ? await readItems(state.ItemReader, data, env, rt)
    : mapItems(state, data, context);
  const selector = state.ItemSelector ?? state.Parameters;
  const entered = (context as { State: { EnteredTime: string } }).State.EnteredTime;
  const items =
    selector === undefined
      ? raw
      : raw.map((Value, Index) =>
          evaluateTemplate(
            selector,
            data,
            evalEnv(scope, stateContext(scope, name, entered, 0, { Index, Value })),
          ),
        );
  const batches: Batch[] = state.ItemBatcher
    ? makeBatches(items, batchConfig(state.ItemBatcher, data, env, rt))
    : items.map((input) => ({ input, items: 1 }));
  const tolerance = toleranceOf(state, data, context);
  const concurrency = mapConcurrency(state, data, context, rt.defaultMapConcurrency);
  const arns = mapRunArns(scope.stateMachineArn, state.Label ?? randomUUID(), randomUUID());
  const run = new MapRun({
    ...arns,
    executionArn: scope.executionArn,
    startDate: new Date(rt.deps.now()),
    maxConcurrency: state.MaxConcurrencyPath ? concurrency : (state.MaxConcurrency ?? 0),
    toleratedFailurePercentage: tolerance.percentage ?? 0,
    toleratedFailureCount: tolerance.count ?? 0,
    totalItems: items.length,
    totalExecutions: batches.length,
  });
  rt.mapRuns.set(run.mapRunArn, run);
  if (rt.events.active) {
    const at = { timestamp: rt.deps.now(), executionArn: scope.executionArn };
    rt.events.emit({
      ...at,
      type: 'MapRunStarted',
      stateName: name,
      mapRunArn: run.mapRunArn,
      total: items.length,
      totalExecutions: batches.length,
    });
  }
  const link = linkedController(scope.signal);
  const machine = machineOf(requireProcessor(state));
  const keepInput = state.ResultWriter?.Resource !== undefined;
  let exceeded = false;
  await runPool(
    batches.length,
    concurrency,
    async (index) => {
      const batch = batches[index] as Batch;
      const job = {
        run,
        machine,
        index,
        input: batch.input,
        items: batch.items,
        signal: link.signal,
        keepInput,
      };
      const child = await runChildExecution(rt, job);
      if (
        !exceeded &&
        (child.status === 'FAILED' || child.status === 'TIMED_OUT') &&
        exceedsTolerance(run, tolerance)
      ) {
        exceeded = true;
        link.abort();
      }
      if (rt.events.active) {
        const counts = { itemCounts: { ...run.itemCounts }, executionCounts: { ...run.executionCounts } };
        rt.events.emit({
          timestamp: rt.deps.now(),
          executionArn: scope.executionArn,
          type: 'MapRunProgress',
          stateName: name,
          mapRunArn: run.mapRunArn,
          ...counts,
        });
      }
    },
    () => exceeded || link.signal.aborted,
  );
  link.dispose();
  if (scope.signal.aborted) {
    finish(run, scope, name, 'ABORTED');
    throw new ExecutionAbortedError();
  }
  let details: { Bucket: string; Key: string } | undefined;
  if (state.ResultWriter?.Resource !== undefined) {
    try {
      details = await writeResults(state.ResultWriter, run, data, env, rt);
    } catch (error) {
      if (!exceeded) {
        finish(run, scope, name, 'FAILED', error as StatesError);
        throw error;
      }
    }
  }
  if (exceeded) {
    const failure = new StatesError(
      'States.ExceedToleratedFailureThreshold',
      'The specified tolerated failure threshold was exceeded',
    );
    finish(run, scope, name, 'FAILED', failure);
    throw failure;
  }
  finish(run, scope, name, 'SUCCEEDED');
  return details
    ? { MapRunArn: run.mapRunArn, ResultWriterDetails: details }
    : mapOutputs(run, state.ResultWriter?.WriterConfig?.Transformation);
}

function requireProcessor(state: MapState) {
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!processor) throw new StatesError('States.Runtime', 'The Map state has no ItemProcessor.');
  return processor;
}
