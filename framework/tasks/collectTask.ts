import type { OutputFormat } from '../job/types.js';
import type { Store } from '../store/Store.js';
import { moveObject } from '../store/transfer.js';
import type { TaskDeps } from './deps.js';
import { CommitVerificationError } from './errors.js';
import { buildManifest, type SuccessManifest } from './manifest.js';
import { readMapRunResults } from './mapRunResults.js';
import type {
  CollectEvent,
  CommitResult,
  JobRef,
  MapTaskResult,
  PrepareReduceResult,
  ReduceTaskResult,
  StagedPart,
} from './payloads.js';
import { pad, workKeys } from './payloads.js';
import { readPlan } from './plan.js';
import { writeShuffleIndex } from './shuffleIndex.js';

const EXTENSIONS: Record<OutputFormat['kind'], string> = { jsonl: '.jsonl', csv: '.csv', text: '.txt' };

/** The name of a committed part file: `part-00003.jsonl`. */
export function partName(part: number, format: OutputFormat): string {
  return `part-${pad(part)}${EXTENSIONS[format.kind]}`;
}

/**
 * The collect function: plans the reduce stage from the map results (`prepareReduce`),
 * verifies and publishes the staged parts with `_SUCCESS` last (`commit`), or removes a failed
 * job's working objects without touching the output (`abort`).
 *
 * @example
 * ```ts
 * await collectTask({ action: 'abort', ...ref }, deps);
 * ```
 */
export async function collectTask(
  event: CollectEvent,
  deps: TaskDeps,
): Promise<PrepareReduceResult | CommitResult | { aborted: true }> {
  const work = deps.bucket(event.bucket);
  if (event.action === 'abort') {
    await removeWork(work, event);
    return { aborted: true };
  }
  const plan = await readPlan(work, event);
  if (event.action === 'prepareReduce') {
    const maps = await readMapRunResults<MapTaskResult>(work, event.map);
    const shuffles = maps.succeeded
      .flatMap((m) => (m.shuffle ? [m.shuffle] : []))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    await writeShuffleIndex(work, event, shuffles, plan.reducers);
    const lines = Array.from({ length: plan.reducers }, (_, partition) => JSON.stringify({ partition }));
    await work.put(workKeys.partitions(event), lines.length ? `${lines.join('\n')}\n` : '');
    const shuffleBytes = shuffles.reduce((n, m) => n + m.bytes, 0);
    return { partitions: plan.reducers, mapTasks: shuffles.length, shuffleBytes };
  }

  const maps = await readMapRunResults<MapTaskResult>(work, event.map);
  const reduces = event.reduce ? await readMapRunResults<ReduceTaskResult>(work, event.reduce) : undefined;
  const staged: StagedPart[] = reduces
    ? reduces.succeeded.flatMap((r) => r.parts)
    : maps.succeeded.flatMap((m) => (m.part ? [m.part] : []));
  staged.sort((a, b) => a.part - b.part);
  if (reduces && staged.length !== plan.reducers) {
    throw new CommitVerificationError(
      `job ${event.jobId}: ${staged.length} reduce parts staged, ${plan.reducers} expected; nothing was published`,
    );
  }
  await verifyStaged(work, staged);

  const out = deps.open(plan.output.endsWith('/') ? plan.output : `${plan.output}/`);
  const parts = [];
  for (const part of staged) {
    const name = partName(part.part, plan.outputFormat);
    await moveObject(work, part.key, out.store, `${out.key}${name}`);
    parts.push({ name, records: part.records, bytes: part.bytes, sha256: part.sha256 });
  }
  const manifest: SuccessManifest = buildManifest(plan, parts, maps, reduces, deps.now());
  await out.store.put(`${out.key}_SUCCESS`, `${JSON.stringify(manifest, null, 2)}\n`);
  await removeWork(work, event);
  return {
    output: plan.output,
    parts: parts.length,
    records: manifest.records.out,
    bytes: manifest.bytes.out,
  };
}

async function verifyStaged(work: Store, staged: readonly StagedPart[]): Promise<void> {
  for (const part of staged) {
    const info = await work.head(part.key);
    if (!info || info.size !== part.bytes) {
      throw new CommitVerificationError(
        `staged part ${work.url}${part.key} is ${info ? `${info.size} bytes` : 'missing'}, its task wrote ${part.bytes} bytes; nothing was published`,
      );
    }
  }
}

async function removeWork(work: Store, ref: JobRef): Promise<void> {
  const keys: string[] = [];
  for await (const object of work.list(ref.prefix)) keys.push(object.key);
  for (let i = 0; i < keys.length; i += 1000) await work.delete(keys.slice(i, i + 1000));
}
