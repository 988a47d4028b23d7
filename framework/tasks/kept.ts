import { type KeptData, keptSchema, mapTaskResultSchema, parsePersisted } from '../contract/persisted.js';
import type { Split } from '../job/types.js';
import type { Store } from '../store/Store.js';
import { deleteUnder, readJsonIfAny } from '../store/transfer.js';
import { TaskInputError } from './errors.js';
import { type MapRunResults, readMapRunResults } from './mapRunResults.js';
import type { JobPlan, JobRef, MapTaskResult, ResultWriterDetails } from './payloads.js';
import { workKeys } from './payloads.js';
import { checkWorkKey, checkWorkPrefix, type TaskScope } from './scope.js';

/**
 * `kept.json`: what a job that committed with tolerated map failures keeps under its work
 * prefix, so that `stepmr redrive` can run the failed splits alone and then every stage after
 * the map over all of them.
 */
export type KeptResults = KeptData;

/**
 * Reads the `kept.json` of a job; undefined when it is gone. It is checked like everything read
 * back: its schema, its job, and that every prefix and key it names is a job's working prefix
 * (the objects under them are deleted once the redrive commits).
 */
export async function readKept(
  work: Store,
  ref: { readonly jobId: string; readonly prefix: string },
  scope: TaskScope,
): Promise<KeptResults | undefined> {
  const raw = await readJsonIfAny<unknown>(work, workKeys.kept(ref));
  if (raw === undefined) return undefined;
  const where = `${work.url}${workKeys.kept(ref)}`;
  const parsed = parsePersisted(keptSchema, raw);
  if (!parsed.ok) throw new TaskInputError(`${where} is not a stepmr kept.json: ${parsed.error}`);
  const kept = parsed.value;
  if (kept.jobId !== ref.jobId || kept.prefixes[0] !== ref.prefix) {
    throw new TaskInputError(`${where} belongs to job ${kept.jobId}, not ${ref.jobId}`);
  }
  for (const prefix of kept.prefixes) checkWorkPrefix(scope, prefix);
  for (const result of kept.succeeded) checkResultKeys(result, kept.prefixes);
  return kept;
}

/** Checks that the objects a map task's result names lie under the working prefixes `prefixes`. */
function checkResultKeys(result: MapTaskResult, prefixes: readonly string[]): void {
  if (result.shuffle) checkWorkKey(result.shuffle.key, prefixes);
  if (result.part) checkWorkKey(result.part.key, prefixes);
}

/** Reads the `kept.json` of a job; a clear error when it is gone. */
export async function requireKept(
  work: Store,
  ref: { readonly jobId: string; readonly prefix: string },
  scope: TaskScope,
): Promise<KeptResults> {
  const kept = await readKept(work, ref, scope);
  if (kept) return kept;
  throw new TaskInputError(
    `job ${ref.jobId} kept no map results at ${work.url}${workKeys.kept(ref)}: they are removed once its failed splits are redriven, by --overwrite of its output, or when work/ expires`,
  );
}

/**
 * The map results a job's later stages use: its own Map Run's, plus, for a redrive, the
 * succeeded tasks the job it redrives kept (`earlier`), in split order.
 *
 * @example
 * ```ts
 * const maps = await mapResults(work, ref, scope, earlier, event.map);
 * ```
 */
export async function mapResults(
  work: Store,
  ref: JobRef,
  scope: TaskScope,
  earlier: KeptResults | undefined,
  details: ResultWriterDetails,
): Promise<MapRunResults<MapTaskResult>> {
  const own = await readMapRunResults(work, details, {
    scope,
    prefix: ref.prefix,
    schema: mapTaskResultSchema,
  });
  for (const result of own.succeeded) checkResultKeys(result, [ref.prefix]);
  if (!earlier) return own;
  const succeeded = [...earlier.succeeded, ...own.succeeded].sort(
    (a, b) => (a.splits[0] ?? 0) - (b.splits[0] ?? 0),
  );
  return { ...own, succeeded };
}

/**
 * The work prefixes of the jobs a redrive builds on, newest first: those `earlier` (the
 * redriven job's `kept.json`) lists, or, once that is gone, the redriven job's own.
 */
export function lineage(plan: JobPlan, earlier: KeptResults | undefined): readonly string[] {
  return earlier?.prefixes ?? (plan.redrive ? [plan.redrive.prefix] : []);
}

/**
 * Writes the `kept.json` of a job that commits with failed map tasks: all the map results a
 * redrive builds on, and every work prefix they live under (`earlier`: those of the jobs it
 * redrove).
 */
export async function writeKept(
  work: Store,
  ref: JobRef,
  earlier: readonly string[],
  maps: MapRunResults<MapTaskResult>,
): Promise<void> {
  const kept: KeptResults = {
    version: 1,
    jobId: ref.jobId,
    succeeded: maps.succeeded,
    failed: maps.failed.map((f) => (f.input as { Items?: Split[] } | undefined)?.Items ?? []),
    prefixes: [ref.prefix, ...earlier],
  };
  await work.put(workKeys.kept(ref), `${JSON.stringify(kept)}\n`);
}

/**
 * After a commit: a job with failed map tasks or calls keeps its plan, `kept.json`, shuffle
 * objects and calls
 * (and those of the jobs it redrove, `earlier`) for a redrive; any other job removes its
 * working objects and those of the jobs it redrove, whose results it has now published, but its
 * plan: a duplicate commit reads it to find the job committed. (`work/` expires on its own.)
 */
export async function finishWork(
  work: Store,
  ref: JobRef,
  keep: boolean,
  earlier: readonly string[],
): Promise<void> {
  if (keep) {
    // A delegate job's redrive also needs its calls and their results.
    const kept = new Set([workKeys.plan(ref), workKeys.kept(ref), workKeys.calls(ref)]);
    // Map results: shuffle objects, or a map-only job's staged parts; a delegate job's call results.
    const results = [`${ref.prefix}shuffle/`, `${ref.prefix}parts/`, `${ref.prefix}calls/`];
    await deleteUnder(work, ref.prefix, (key) => !kept.has(key) && !results.some((r) => key.startsWith(r)));
    return;
  }
  // The redriven job's kept.json lists the older prefixes; it goes last, so a retry finds it.
  for (const prefix of [...earlier].reverse()) await deleteUnder(work, prefix);
  const plan = workKeys.plan(ref);
  await deleteUnder(work, ref.prefix, (key) => key !== plan);
}
