import type { TaskRowData } from '../contract/persisted.js';
import type { Split } from '../job/types.js';
import type { FailedItem, MapRunResults } from './mapRunResults.js';
import type { MapTaskResult, ReduceTaskResult } from './payloads.js';

/** Task rows `_SUCCESS` keeps at most: past them, the slowest are kept and the rest counted. */
export const MAX_TASK_ROWS = 2000;

/** A task's figures, as a row needs them. */
interface Figures {
  readonly id: number;
  readonly items: number;
  readonly ms: number;
  readonly startedAt?: number | undefined;
  readonly executor?: string | undefined;
  readonly attempt?: number | undefined;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

function succeededRows<T>(
  stage: TaskRowData['stage'],
  results: MapRunResults<T>,
  pick: (t: T) => Figures,
): TaskRowData[] {
  return results.succeeded.map((result) => {
    const f = pick(result);
    const child = results.childDates?.get(result);
    // The task's own clock when it reported one; else its child execution's dates.
    const startedAt = f.startedAt ?? child?.startedAt ?? 0;
    const stoppedAt = f.startedAt !== undefined ? f.startedAt + f.ms : (child?.stoppedAt ?? f.ms);
    return {
      stage,
      id: f.id,
      items: f.items,
      status: 'succeeded',
      startedAt,
      stoppedAt,
      ...(child ? { queuedAt: Math.min(child.startedAt, startedAt) } : {}),
      ...(f.executor !== undefined ? { executor: f.executor } : {}),
      ...(f.attempt !== undefined ? { retries: f.attempt } : {}),
      recordsIn: f.recordsIn,
      recordsOut: f.recordsOut,
      bytesIn: f.bytesIn,
      bytesOut: f.bytesOut,
    };
  });
}

function failedRow(stage: TaskRowData['stage'], failed: FailedItem): TaskRowData {
  const items = (failed.input as { Items?: (Split | { partition: number })[] } | undefined)?.Items ?? [];
  const first = items[0];
  const id = first === undefined ? 0 : 'partition' in first ? first.partition : first.id;
  return {
    stage,
    id,
    items: items.length,
    status: 'failed',
    startedAt: failed.startedAt ?? 0,
    stoppedAt: failed.stoppedAt ?? failed.startedAt ?? 0,
    recordsIn: 0,
    recordsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    error: failed.error,
  };
}

/**
 * The task attempts of a job's stages as `_SUCCESS` keeps them: every succeeded task (with
 * its retries counted), every failed one, in stage and start order; past {@link MAX_TASK_ROWS},
 * the slowest ones, with the number left out.
 *
 * @example
 * ```ts
 * const { rows, omitted } = taskRows(maps, reduces);
 * ```
 */
export function taskRows(
  maps: MapRunResults<MapTaskResult>,
  reduces: MapRunResults<ReduceTaskResult> | undefined,
  max = MAX_TASK_ROWS,
): { rows: TaskRowData[]; omitted: number } {
  const all = [
    ...succeededRows('map', maps, (m) => ({
      ...m,
      id: m.splits[0] ?? 0,
      items: m.splits.length,
      bytesOut: m.shuffle?.bytes ?? m.part?.bytes ?? 0,
    })),
    ...maps.failed.map((f) => failedRow('map', f)),
    ...(reduces
      ? [
          ...succeededRows('reduce', reduces, (r) => ({
            ...r,
            id: r.parts[0]?.part ?? 0,
            items: r.parts.length,
            recordsOut: r.parts.reduce((n, p) => n + p.records, 0),
            bytesOut: r.parts.reduce((n, p) => n + p.bytes, 0),
          })),
          ...reduces.failed.map((f) => failedRow('reduce', f)),
        ]
      : []),
  ];
  const kept =
    all.length <= max
      ? all
      : [...all].sort((a, b) => b.stoppedAt - b.startedAt - (a.stoppedAt - a.startedAt)).slice(0, max);
  const order = { map: 0, reduce: 1 };
  kept.sort((a, b) => order[a.stage] - order[b.stage] || a.startedAt - b.startedAt || a.id - b.id);
  return { rows: kept, omitted: all.length - kept.length };
}
