import type { z } from 'zod';
import { parsePersisted } from '../contract/persisted.js';
import type { Store } from '../store/Store.js';
import { TaskInputError } from './errors.js';
import type { ResultWriterDetails } from './payloads.js';
import { checkWorkKey, type TaskScope } from './scope.js';

/** One child execution that failed, as Distributed Map's ResultWriter records it. */
export interface FailedItem {
  readonly input: unknown;
  readonly error: string;
  readonly cause: string;
  /** Its child execution's start and stop, epoch ms, when the ResultWriter recorded them. */
  readonly startedAt?: number;
  readonly stoppedAt?: number;
}

/** A child execution's start and stop, epoch ms. */
export interface ChildDates {
  readonly startedAt: number;
  readonly stoppedAt: number;
}

/** The results of one Distributed Map run, read back from its ResultWriter files. */
export interface MapRunResults<T> {
  readonly succeeded: T[];
  readonly failed: FailedItem[];
  /** Earliest child start and latest child stop, in epoch ms (0 when there were no children). */
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** Each succeeded result's child execution dates, when recorded (for the job report). */
  readonly childDates?: ReadonlyMap<T, ChildDates>;
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

/** Where a Map Run's results must lie, and what each child's output must be. */
export interface MapRunResultsCheck<S extends z.ZodType> {
  readonly scope: TaskScope;
  /** The job's working prefix: the ResultWriter writes only under it. */
  readonly prefix: string;
  /** Each succeeded child's output. */
  readonly schema: S;
}

/**
 * Reads what a Distributed Map's ResultWriter wrote (`manifest.json`, `SUCCEEDED_n.json`,
 * `FAILED_n.json`) and returns the parsed outputs of the succeeded children and the failures.
 * Nothing in them is trusted: the manifest and the files it names must lie under the job's
 * working prefix in the scope's bucket, and every output must match `check.schema`.
 *
 * @example
 * ```ts
 * const { succeeded, failed } = await readMapRunResults(store, state.map, { scope, prefix, schema });
 * ```
 */
export async function readMapRunResults<S extends z.ZodType>(
  store: Store,
  details: ResultWriterDetails,
  check: MapRunResultsCheck<S>,
): Promise<MapRunResults<z.infer<S>>> {
  if (details.Bucket !== check.scope.bucket) {
    throw new TaskInputError(
      `map run results in bucket ${JSON.stringify(details.Bucket)} refused: jobs work only in ${check.scope.bucket}`,
    );
  }
  checkWorkKey(details.Key, [check.prefix]);
  const manifest = await readJson<ResultManifest>(store, details.Key);
  const succeeded: z.infer<S>[] = [];
  const failed: FailedItem[] = [];
  const childDates = new Map<z.infer<S>, ChildDates>();
  let startedAt = Number.POSITIVE_INFINITY;
  let stoppedAt = 0;
  const files = manifest.ResultFiles ?? {};
  for (const [status, list] of Object.entries(files)) {
    for (const file of list) {
      checkWorkKey(file.Key, [check.prefix]);
      const entries = await readJson<ResultEntry[]>(store, file.Key);
      for (const [i, entry] of entries.entries()) {
        if (entry.StartDate) startedAt = Math.min(startedAt, Date.parse(entry.StartDate));
        if (entry.StopDate) stoppedAt = Math.max(stoppedAt, Date.parse(entry.StopDate));
        const dates = datesOf(entry);
        if (status === 'SUCCEEDED') {
          const parsed = parsePersisted(check.schema, JSON.parse(entry.Output ?? 'null'));
          if (!parsed.ok) {
            throw new TaskInputError(
              `map run result ${i} in ${store.url}${file.Key} is not a task's result: ${parsed.error}`,
            );
          }
          succeeded.push(parsed.value);
          if (dates) childDates.set(parsed.value, dates);
        } else {
          failed.push({
            input: entry.Input ? JSON.parse(entry.Input) : undefined,
            error: entry.Error ?? status,
            cause: entry.Cause ?? '',
            ...dates,
          });
        }
      }
    }
  }
  return {
    succeeded,
    failed,
    startedAt: Number.isFinite(startedAt) ? startedAt : 0,
    stoppedAt,
    childDates,
  };
}

/** An entry's start and stop, when both are dates. */
function datesOf(entry: ResultEntry): ChildDates | undefined {
  const startedAt = Date.parse(entry.StartDate ?? '');
  const stoppedAt = Date.parse(entry.StopDate ?? '');
  return Number.isFinite(startedAt) && Number.isFinite(stoppedAt) ? { startedAt, stoppedAt } : undefined;
}
