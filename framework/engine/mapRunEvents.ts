import type { StatesError } from './errors.js';
import type { MapRun } from './mapRun.js';
import type { Runtime, Scope } from './runtime.js';

function counts(run: MapRun) {
  return { itemCounts: { ...run.itemCounts }, executionCounts: { ...run.executionCounts } };
}

/**
 * Reports a Map Run's counts after a child execution ended (`MapRunProgress`).
 *
 * @example
 * ```ts
 * emitMapRunProgress(scope, 'Shards', run);
 * ```
 */
export function emitMapRunProgress(scope: Scope, stateName: string, run: MapRun): void {
  const { events, deps } = scope.rt;
  if (!events.active) return;
  const at = { timestamp: deps.now(), executionArn: scope.executionArn, mapRunArn: run.mapRunArn, stateName };
  events.emit({ ...at, ...counts(run), type: 'MapRunProgress' });
}

/**
 * Ends a Map Run: sets its status and stop date, and reports `MapRunSucceeded`,
 * `MapRunFailed` (with the error) or `MapRunAborted`.
 *
 * @example
 * ```ts
 * finishMapRun(scope, 'Shards', run, 'SUCCEEDED');
 * ```
 */
export function finishMapRun(
  scope: Scope,
  stateName: string,
  run: MapRun,
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED',
  failure?: StatesError,
): void {
  const { events, deps } = scope.rt;
  // Its execution ended first (stopped, timed out): the run was aborted then.
  if (run.status !== 'RUNNING') return;
  run.status = status;
  run.stopDate = new Date(deps.now());
  if (!events.active) return;
  const at = {
    timestamp: run.stopDate.getTime(),
    executionArn: scope.executionArn,
    mapRunArn: run.mapRunArn,
    stateName,
  };
  if (status === 'FAILED' && failure) {
    events.emit({
      ...at,
      ...counts(run),
      type: 'MapRunFailed',
      error: failure.error,
      cause: failure.errorCause,
    });
  } else {
    events.emit({
      ...at,
      ...counts(run),
      type: status === 'SUCCEEDED' ? 'MapRunSucceeded' : 'MapRunAborted',
    });
  }
}

/**
 * Aborts the Map Runs an execution leaves running as it ends (stopped, timed out, failed):
 * each is `ABORTED` at once, with its `MapRunAborted` before the execution's final event, as
 * in AWS's history; its children are aborted as the run unwinds.
 *
 * @example
 * ```ts
 * abortMapRuns(rt, record.executionArn);
 * ```
 */
export function abortMapRuns(rt: Runtime, executionArn: string): void {
  for (const run of rt.mapRuns.values()) {
    if (run.executionArn !== executionArn || run.status !== 'RUNNING') continue;
    run.status = 'ABORTED';
    run.stopDate = new Date(rt.deps.now());
    if (!rt.events.active) continue;
    rt.events.emit({
      timestamp: run.stopDate.getTime(),
      executionArn,
      mapRunArn: run.mapRunArn,
      stateName: run.stateName,
      ...counts(run),
      type: 'MapRunAborted',
    });
  }
}
