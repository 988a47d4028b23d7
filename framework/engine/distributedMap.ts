import { randomUUID } from 'node:crypto';
import { linkedController } from './abort.js';
import { mapRunArns } from './arn.js';
import type { ItemProcessorDefinition, MapState } from './asl.js';
import { runChildExecution } from './childExecution.js';
import { machineOf } from './definition.js';
import { ExecutionAbortedError, StatesError } from './errors.js';
import type { Batch } from './itemBatcher.js';
import { childInputs } from './mapInputs.js';
import { MapRun } from './mapRun.js';
import { emitMapRunProgress, finishMapRun } from './mapRunEvents.js';
import { runPool } from './pool.js';
import { mapOutputs, writeResults } from './resultWriter.js';
import { evalEnv, type Scope } from './runtime.js';
import { mapConcurrency } from './states/map.js';
import { exceedsTolerance, toleranceOf } from './tolerance.js';

/**
 * A Map in Distributed mode: prepares the child inputs (ItemReader or ItemsPath, ItemSelector,
 * ItemBatcher), then starts a Map Run of child executions, at most MaxConcurrency at once.
 * Once failed items exceed ToleratedFailureCount / ToleratedFailurePercentage (neither set:
 * any failure), no new child starts, the running ones are aborted and the state fails with
 * `States.ExceedToleratedFailureThreshold`. The result is `{ MapRunArn, ResultWriterDetails }`
 * with a ResultWriter, else the child outputs in order.
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
  const { itemCount, batches } = await childInputs(name, state, data, scope, context);
  const tolerance = toleranceOf(state, data, context);
  const concurrency = mapConcurrency(state, data, context, rt.defaultMapConcurrency);
  const run = new MapRun({
    ...mapRunArns(scope.stateMachineArn, state.Label ?? randomUUID(), randomUUID()),
    executionArn: scope.executionArn,
    startDate: new Date(rt.deps.now()),
    maxConcurrency: state.MaxConcurrencyPath ? concurrency : (state.MaxConcurrency ?? 0),
    toleratedFailurePercentage: tolerance.percentage ?? 0,
    toleratedFailureCount: tolerance.count ?? 0,
    totalItems: itemCount,
    totalExecutions: batches.length,
  });
  rt.mapRuns.set(run.mapRunArn, run);
  if (rt.events.active) {
    const at = { timestamp: rt.deps.now(), executionArn: scope.executionArn, mapRunArn: run.mapRunArn };
    rt.events.emit({
      ...at,
      type: 'MapRunStarted',
      stateName: name,
      total: itemCount,
      totalExecutions: batches.length,
    });
  }
  const link = linkedController(scope.signal);
  const machine = machineOf((state.ItemProcessor ?? state.Iterator) as ItemProcessorDefinition);
  const keepInput = state.ResultWriter?.Resource !== undefined;
  let exceeded = false;
  const work = async (index: number) => {
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
    if (!exceeded && child.status === 'FAILED' && exceedsTolerance(run, tolerance)) {
      exceeded = true;
      link.abort();
    }
    emitMapRunProgress(scope, name, run);
  };
  await runPool(batches.length, concurrency, work, () => exceeded || link.signal.aborted);
  link.dispose();
  if (scope.signal.aborted) {
    finishMapRun(scope, name, run, 'ABORTED');
    throw new ExecutionAbortedError();
  }
  let details: { Bucket: string; Key: string } | undefined;
  if (state.ResultWriter?.Resource !== undefined) {
    try {
      details = await writeResults(state.ResultWriter, run, data, evalEnv(scope, context), rt);
    } catch (error) {
      // Past the threshold, the threshold error is the one to report.
      if (!exceeded) {
        finishMapRun(scope, name, run, 'FAILED', error as StatesError);
        throw error;
      }
    }
  }
  if (exceeded) {
    const failure = new StatesError(
      'States.ExceedToleratedFailureThreshold',
      'The specified tolerated failure threshold was exceeded',
    );
    finishMapRun(scope, name, run, 'FAILED', failure);
    throw failure;
  }
  finishMapRun(scope, name, run, 'SUCCEEDED');
  return details
    ? { MapRunArn: run.mapRunArn, ResultWriterDetails: details }
    : mapOutputs(run, state.ResultWriter?.WriterConfig?.Transformation);
}
