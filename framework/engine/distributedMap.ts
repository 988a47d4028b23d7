import { randomUUID } from 'node:crypto';
import { linkedController } from './abort.js';
import { mapRunArns } from './arn.js';
import type { ItemProcessorDefinition, MapState } from './asl.js';
import { runChildExecution } from './childExecution.js';
import { machineOf } from './definition.js';
import { ExecutionAbortedError, StatesError } from './errors.js';
import { childInputs } from './mapInputs.js';
import { type ChildInput, MapRun } from './mapRun.js';
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
/** Starts a new Map Run for the state, with its child inputs. */
async function newMapRun(
  name: string,
  state: MapState,
  data: unknown,
  scope: Scope,
  context: unknown,
  settings: { concurrency: number; tolerance: ReturnType<typeof toleranceOf> },
): Promise<{ run: MapRun; batches: readonly ChildInput[] }> {
  const { rt } = scope;
  const { itemCount, batches } = await childInputs(name, state, data, scope, context);
  const { concurrency, tolerance } = settings;
  const run = new MapRun({
    ...mapRunArns(scope.stateMachineArn, state.Label ?? randomUUID(), randomUUID()),
    executionArn: scope.executionArn,
    stateName: name,
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
  return { run, batches };
}

/** In a redriven execution, the failed Map Run of this state, ready to run its unsuccessful children. */
function redrivenMapRun(name: string, scope: Scope): { run: MapRun; indexes: number[] } | undefined {
  const run = scope.resume?.mapRun;
  if (!run || run.stateName !== name || !scope.resume) return undefined;
  scope.resume.mapRun = undefined;
  const { rt } = scope;
  const indexes = run.redrive(new Date(rt.deps.now()));
  if (rt.events.active) {
    rt.events.emit({
      timestamp: rt.deps.now(),
      executionArn: scope.executionArn,
      type: 'MapRunRedriven',
      stateName: name,
      mapRunArn: run.mapRunArn,
      redriveCount: run.redriveCount,
    });
  }
  return { run, indexes };
}

/**
 * A Map in Distributed mode: prepares the child inputs (ItemReader or ItemsPath, ItemSelector,
 * ItemBatcher), then starts a Map Run of child executions, at most MaxConcurrency at once.
 * Once failed items exceed ToleratedFailureCount / ToleratedFailurePercentage (neither set:
 * any failure), no new child starts, the running ones are aborted and the state fails with
 * `States.ExceedToleratedFailureThreshold`. The result is `{ MapRunArn, ResultWriterDetails }`
 * with a ResultWriter, else the child outputs in order. In a redriven execution that resumes
 * at this state, its failed Map Run runs again instead: only the children that did not
 * succeed, with the inputs they had; the others keep their results.
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
  const tolerance = toleranceOf(state, data, context);
  const concurrency = mapConcurrency(state, data, context, rt.defaultMapConcurrency);
  const redriven = redrivenMapRun(name, scope);
  const { run, batches } = redriven
    ? { run: redriven.run, batches: redriven.run.batches as readonly ChildInput[] }
    : await newMapRun(name, state, data, scope, context, { concurrency, tolerance });
  const indexes = redriven?.indexes ?? batches.map((_, i) => i);
  const link = linkedController(scope.signal);
  const machine = machineOf((state.ItemProcessor ?? state.Iterator) as ItemProcessorDefinition);
  const keepInput = state.ResultWriter?.Resource !== undefined;
  let exceeded = false;
  const work = async (at: number) => {
    const index = indexes[at] as number;
    const batch = batches[index] as ChildInput;
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
  await runPool(indexes.length, concurrency, work, () => exceeded || link.signal.aborted);
  link.dispose();
  // A run that does not succeed keeps its children's inputs: a redrive runs the unsuccessful ones again.
  run.batches = batches;
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
  run.batches = undefined;
  finishMapRun(scope, name, run, 'SUCCEEDED');
  return details
    ? { MapRunArn: run.mapRunArn, ResultWriterDetails: details }
    : mapOutputs(run, state.ResultWriter?.WriterConfig?.Transformation);
}
