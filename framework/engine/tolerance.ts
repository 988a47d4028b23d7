import type { MapState } from './asl.js';
import { StatesError } from './errors.js';
import type { MapRun } from './mapRun.js';
import { requirePath } from './paths.js';

/**
 * A Map Run's failure tolerance; an unset field does not apply.
 *
 * @example
 * ```ts
 * const tolerance: Tolerance = { count: 2, percentage: undefined };
 * ```
 */
export interface Tolerance {
  readonly count: number | undefined;
  readonly percentage: number | undefined;
}

function read(
  value: number | undefined,
  path: string | undefined,
  data: unknown,
  context: unknown,
  field: string,
  max: number,
): number | undefined {
  const found = path ? requirePath(path, data, context, `${field}Path`) : value;
  if (found === undefined) return undefined;
  if (typeof found !== 'number' || found < 0 || found > max) {
    throw new StatesError(
      'States.Runtime',
      `${field} must be a number from 0 to ${max}, got ${JSON.stringify(found)}.`,
    );
  }
  return found;
}

/**
 * Resolves `ToleratedFailureCount(Path)` and `ToleratedFailurePercentage(Path)`.
 *
 * @example
 * ```ts
 * toleranceOf({ Type: 'Map', ToleratedFailureCount: 2 } as MapState, {}, {}); // { count: 2, percentage: undefined }
 * ```
 */
export function toleranceOf(state: MapState, data: unknown, context: unknown): Tolerance {
  return {
    count: read(
      state.ToleratedFailureCount,
      state.ToleratedFailureCountPath,
      data,
      context,
      'ToleratedFailureCount',
      Number.MAX_SAFE_INTEGER,
    ),
    percentage: read(
      state.ToleratedFailurePercentage,
      state.ToleratedFailurePercentagePath,
      data,
      context,
      'ToleratedFailurePercentage',
      100,
    ),
  };
}

/**
 * Whether the failed (and timed-out) items of a Map Run exceed its tolerance: more than
 * `count` items, or more than `percentage` percent of all items; with neither set, any
 * failure does (the default tolerance is 0).
 *
 * @example
 * ```ts
 * if (exceedsTolerance(run, tolerance)) abortRun();
 * ```
 */
export function exceedsTolerance(run: MapRun, tolerance: Tolerance): boolean {
  const failed = run.itemCounts.failed + run.itemCounts.timedOut;
  if (tolerance.count === undefined && tolerance.percentage === undefined) return failed > 0;
  if (tolerance.count !== undefined && failed > tolerance.count) return true;
  return tolerance.percentage !== undefined && failed * 100 > tolerance.percentage * run.itemCounts.total;
}
