import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import type { ResultWriterDetails } from './payloads.js';

/** One child execution that failed, as Distributed Map's ResultWriter records it. */
export interface FailedItem {
  readonly input: unknown;
  readonly error: string;
  readonly cause: string;
}

/** The results of one Distributed Map run, read back from its ResultWriter files. */
export interface MapRunResults<T> {
  readonly succeeded: T[];
  readonly failed: FailedItem[];
  /** Earliest child start and latest child stop, in epoch ms (0 when there were no children). */
  readonly startedAt: number;
  readonly stoppedAt: number;
}

interface ResultEntry {
  readonly Input?: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
  readonly StartDate?: string;
  readonly StopDate?: string;
}

interface ResultManifest {
  readonly ResultFiles?: Record<string, readonly { readonly Key: string }[]>;
}

async function readJson<T>(store: Store, key: string): Promise<T> {
  try {
    return JSON.parse((await store.get(key)).toString('utf8')) as T;
  } catch (cause) {
    throw new TaskInputError(
      `cannot read map run results at ${store.url}${key}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * Reads what a Distributed Map's ResultWriter wrote (`manifest.json`, `SUCCEEDED_n.json`,
 * `FAILED_n.json`) and returns the parsed outputs of the succeeded children and the failures.
 *
 * @example
 * ```ts
 * const { succeeded, failed } = await readMapRunResults<MapTaskResult>(store, state.map);
 * ```
 */
export async function readMapRunResults<T>(
  store: Store,
  details: ResultWriterDetails,
): Promise<MapRunResults<T>> {
  const manifest = await readJson<ResultManifest>(store, details.Key);
  const succeeded: T[] = [];
  const failed: FailedItem[] = [];
  let startedAt = Number.POSITIVE_INFINITY;
  let stoppedAt = 0;
  const files = manifest.ResultFiles ?? {};
  for (const [status, list] of Object.entries(files)) {
    for (const file of list) {
      const entries = await readJson<ResultEntry[]>(store, file.Key);
      for (const entry of entries) {
        if (entry.StartDate) startedAt = Math.min(startedAt, Date.parse(entry.StartDate));
        if (entry.StopDate) stoppedAt = Math.max(stoppedAt, Date.parse(entry.StopDate));
        if (status === 'SUCCEEDED') {
          succeeded.push(JSON.parse(entry.Output ?? 'null') as T);
        } else {
          failed.push({
            input: entry.Input ? JSON.parse(entry.Input) : undefined,
            error: entry.Error ?? status,
            cause: entry.Cause ?? '',
          });
        }
      }
    }
  }
  return { succeeded, failed, startedAt: Number.isFinite(startedAt) ? startedAt : 0, stoppedAt };
}
