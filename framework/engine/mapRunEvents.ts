import type { StatesError } from './errors.js';
import type { MapRun } from './mapRun.js';
import type { Scope } from './runtime.js';

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
