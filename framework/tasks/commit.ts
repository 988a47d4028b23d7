import { reduceTaskResultSchema } from '../contract/persisted.js';
import type { Store } from '../store/Store.js';
import { deleteUnder, moveObject } from '../store/transfer.js';
import { removeUnpublished } from './abort.js';
import type { TaskDeps } from './deps.js';
import { readOutputResult, replacedResult } from './earlierResult.js';
import {
  BadRecordLimitError,
  CommitVerificationError,
  FailedCallLimitError,
  JobStoppedError,
} from './errors.js';
import { openJobWork, openOutput } from './jobWork.js';
import { finishWork, lineage, mapResults, readKept, requireKept, writeKept } from './kept.js';
import {
  buildManifest,
  delegateSummary,
  readSuccess,
  type SuccessManifest,
  totalBadRecords,
} from './manifest.js';
import { readMapRunResults } from './mapRunResults.js';
import { partName } from './partName.js';
import type { CollectEvent, CommitResult, JobRef, StagedPart } from './payloads.js';
import { workKeys } from './payloads.js';
import { checkWorkKey } from './scope.js';

/**
 * The Commit step: verifies every staged part, replaces an earlier result when the plan says
 * so, publishes the parts under their names and writes `_SUCCESS` last; then removes the job's
 * working objects (keeping what a redrive needs when map tasks failed within the tolerance).
 *
 * @example
 * ```ts
 * const { records } = await commitJob({ action: 'commit', ...ref, map, reduce }, deps);
 * ```
 */
export async function commitJob(
  event: Extract<CollectEvent, { action: 'commit' }>,
  deps: TaskDeps,
): Promise<CommitResult> {
  const { store: work, plan, scope } = await openJobWork(event, deps);
  const out = openOutput(plan, deps);
  // A commit run again after it wrote _SUCCESS only cleans up: one that died while cleaning
  // up, or a duplicate (Step Functions retries the task when Lambda's answer is lost), which
  // finds the job's results gone but its plan kept for this.
  // Only a _SUCCESS of this very job is read whole; an earlier result's is the commit's to
  // replace, whatever else it holds.
  const held = await readOutputResult(out.store, out.key);
  const committed =
    held.kind === 'stepmr' && held.jobId === event.jobId
      ? await readSuccess(out.store, `${out.key}_SUCCESS`)
      : undefined;
  if (committed) {
    const earlier = plan.redrive ? await readKept(work, plan.redrive, scope) : undefined;
    await finishWork(work, event, keepsWork(committed), lineage(plan, earlier));
    return summary(committed);
  }
  const stopped = () => work.head(workKeys.stopped(event)).then((info) => info !== undefined);
  const stoppedError = (cause?: unknown) =>
    new JobStoppedError(`job ${event.jobId} was stopped (stepmr stop): its commit publishes nothing`, {
      cause,
    });
  if (await stopped()) throw stoppedError();
  const earlier = plan.redrive ? await requireKept(work, plan.redrive, scope) : undefined;
  const maps = await mapResults(work, event, scope, earlier, event.map);
  const reduces = event.reduce
    ? await readMapRunResults(work, event.reduce, {
        scope,
        prefix: event.prefix,
        schema: reduceTaskResultSchema,
      })
    : undefined;
  // A staged part is moved to the output, so it must be one of this job's own objects.
  for (const part of reduces?.succeeded.flatMap((r) => r.parts) ?? []) {
    checkWorkKey(part.key, [event.prefix]);
  }
  const staged: StagedPart[] = reduces
    ? reduces.succeeded.flatMap((r) => r.parts)
    : maps.succeeded.flatMap((m) => (m.part ? [m.part] : []));
  staged.sort((a, b) => a.part - b.part);
  if (plan.delegate && maps.succeeded.some((m) => m.tasks !== undefined)) {
    throw new CommitVerificationError(
      `job ${event.jobId} delegates, but its state machine ran no delegate stage: update the stack (its definition needs the delegate function); the output has no _SUCCESS`,
    );
  }
  const calls = delegateSummary(plan, maps);
  if (calls && calls.failed > calls.maxFailed) {
    throw new FailedCallLimitError(
      `job ${event.jobId}: ${calls.failed} of ${calls.ok + calls.failed} delegated calls failed, more than --max-failed allows (${calls.maxFailed}); the output has no _SUCCESS. See the failed calls' errors in the service's logs, then run the job again (or raise --max-failed)`,
    );
  }
  const bad = totalBadRecords(maps);
  if (bad.count > plan.badRecords.max) {
    throw new BadRecordLimitError(
      `job ${event.jobId} skipped ${bad.count} bad records, more than --max-bad-records ${plan.badRecords.max}; the output has no _SUCCESS`,
    );
  }
  if (reduces && staged.length !== plan.reducers) {
    throw new CommitVerificationError(
      `job ${event.jobId}: ${staged.length} reduce parts staged, ${plan.reducers} expected; the output has no _SUCCESS`,
    );
  }
  // Reduce parts by partition; a map-only job's in input order, numbered from 0.
  const parts = staged.map((part, index) => {
    const name = partName(reduces ? part.part : index, plan.outputFormat);
    return { staged: part, name, key: `${out.key}${name}` };
  });
  // Verify every part before publishing any. A part already at its published name with the
  // size its task reported was moved by an earlier attempt of this commit.
  const toMove: typeof parts = [];
  for (const part of parts) {
    const info = await work.head(part.staged.key);
    if (info?.size === part.staged.bytes) {
      toMove.push(part);
      continue;
    }
    const published = info ? undefined : await out.store.head(part.key);
    if (published?.size !== part.staged.bytes) {
      throw new CommitVerificationError(
        `staged part ${work.url}${part.staged.key} is ${info ? `${info.size} bytes` : 'missing'}, its task wrote ${part.staged.bytes} bytes; the output has no _SUCCESS`,
      );
    }
  }
  const listed = parts.map(({ name, staged: { records, bytes, sha256, recordsIn, bytesIn } }) => ({
    name,
    records,
    bytes,
    sha256,
    ...(recordsIn !== undefined && bytesIn !== undefined ? { recordsIn, bytesIn } : {}),
  }));
  const manifest: SuccessManifest = buildManifest(plan, listed, maps, reduces, deps.now());
  // What a redrive needs is kept before _SUCCESS says the job has failed splits or calls. A
  // delegate job's redrive runs every batch again (calling only the failed calls), so it keeps
  // no map results.
  if (maps.failed.length > 0) await writeKept(work, event, lineage(plan, earlier), maps);
  else if (keepsWork(manifest)) {
    await writeKept(work, event, lineage(plan, earlier), { ...maps, succeeded: [] });
  }
  try {
    if (plan.overwrite) {
      const keep = new Set(parts.filter((p) => !toMove.includes(p)).map((p) => p.key));
      // Working objects inside the output location (the embedded runtime's) stay: this job's,
      // and those of the job it redrives, which its commit removes last.
      const working = [event.prefix, ...lineage(plan, earlier)].map((prefix) => `${work.url}${prefix}`);
      await clearOutput(out.store, out.key, keep, working, work, event);
    }
    // A map-only job's staged parts are its map results: with failed splits they stay for a
    // redrive, which numbers them again among the redriven ones.
    const keepStaged = maps.failed.length > 0 && !reduces;
    for (const part of toMove) {
      if (keepStaged) await out.store.put(part.key, work.read(part.staged.key));
      else await moveObject(work, part.staged.key, out.store, part.key);
    }
    // A stop while the parts moved (it removes the staged ones) is seen here at the latest.
    if (await stopped()) throw stoppedError();
    await out.store.put(`${out.key}_SUCCESS`, `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    if (!(await stopped())) throw error;
    // The execution was stopped, so no Abort step follows: take back what was published.
    await removeUnpublished(work, event, deps);
    throw error instanceof JobStoppedError ? error : stoppedError(error);
  }
  await finishWork(work, event, keepsWork(manifest), lineage(plan, earlier));
  return summary(manifest);
}

/** Whether a committed job keeps what a redrive needs: it has failed splits or failed calls. */
function keepsWork(manifest: SuccessManifest): boolean {
  return manifest.failedSplits.length > 0 || (manifest.delegate?.failed ?? 0) > 0;
}

function summary(manifest: SuccessManifest): CommitResult {
  return {
    output: manifest.output,
    parts: manifest.parts.length,
    records: manifest.records.out,
    bytes: manifest.bytes.out,
  };
}

/**
 * Removes the earlier stepmr result the commit replaces, `_SUCCESS` first so that it never
 * looks complete meanwhile: exactly the parts its `_SUCCESS` lists, and its job's working
 * folder inside the output (`_temporary/<job id>/`, the embedded runtime's), never any other
 * object. What `_SUCCESS` lists is recorded under this job's work prefix before it goes, so a
 * commit retried after that still removes exactly those parts. Keeps `keep` (parts an earlier
 * attempt of this commit published) and anything under the working prefixes `working` (URLs).
 */
async function clearOutput(
  store: Store,
  prefix: string,
  keep: ReadonlySet<string>,
  working: readonly string[],
  work: Store,
  ref: JobRef,
): Promise<void> {
  const earlier = await replacedResult(store, prefix, work, ref);
  if (earlier === undefined) return;
  await store.delete([`${prefix}_SUCCESS`]);
  const parts = earlier.parts.map((name) => `${prefix}${name}`).filter((key) => !keep.has(key));
  if (parts.length > 0) await store.delete(parts);
  await deleteUnder(
    store,
    `${prefix}_temporary/${earlier.jobId}/`,
    (key) => !working.some((url) => `${store.url}${key}`.startsWith(url)),
  );
}
