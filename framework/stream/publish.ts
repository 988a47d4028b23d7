import { parsePersisted, successSchema } from '../contract/persisted.js';
import { type OffsetEntry, padBatch } from '../contract/stream.js';
import { BUCKET_LAYOUT } from '../deploy/layout.js';
import type { Store } from '../store/Store.js';
import type { PublishedBatch } from './claim.js';
import type { StreamSettings } from './defineStream.js';

/**
 * Where a deployed stream keeps its checkpoint and publishes its batches in the stack's data
 * bucket: `streams/<name>/` (the only prefix its trigger writes) and `out/streams/<name>/`
 * (under `out/`, where the functions publish). Locally they are `--output` and
 * `<output>/_checkpoint/`.
 *
 * @example
 * ```ts
 * streamPrefixes('clicks'); // { checkpoint: 'streams/clicks/', output: 'out/streams/clicks/' }
 * ```
 */
export function streamPrefixes(name: string): { readonly checkpoint: string; readonly output: string } {
  return {
    checkpoint: `${STREAMS_PREFIX}${name}/`,
    output: `${BUCKET_LAYOUT.output}${STREAMS_PREFIX}${name}/`,
  };
}

/** The data bucket's folder of stream checkpoints. */
export const STREAMS_PREFIX = 'streams/';

/**
 * The folder, relative to the stream's output, where batch N publishes: `batch=<N>/` in append
 * mode (that batch's result), `snapshot=<N>/` in update mode (the whole table after batch N).
 *
 * @example
 * ```ts
 * batchFolder('append', 3); // 'batch=0000000003/'
 * ```
 */
export function batchFolder(mode: StreamSettings['mode'], batch: number): string {
  return `${mode === 'update' ? 'snapshot' : 'batch'}=${padBatch(batch)}/`;
}

/**
 * The job id (and execution name) of a run of batch N: `<stream>-b<N>`, and `<stream>-b<N>-r<k>`
 * for its k-th re-run (an execution name cannot be reused on Step Functions).
 *
 * @example
 * ```ts
 * batchJobId('clicks', 3); // 'clicks-b3'
 * batchJobId('clicks', 3, 1); // 'clicks-b3-r1'
 * ```
 */
export function batchJobId(stream: string, batch: number, rerun = 0): string {
  return rerun === 0 ? `${stream}-b${batch}` : `${stream}-b${batch}-r${rerun}`;
}

/** Whether a job id is one of batch N's runs. */
export function isBatchJobId(jobId: string, stream: string, batch: number): boolean {
  return new RegExp(`^${stream}-b${batch}(-r\\d+)?$`).test(jobId);
}

/**
 * What batch N's output folder holds as its published result: the commit entry's fields if its
 * `_SUCCESS` is that of one of the batch's runs (its job id) over exactly the batch's objects,
 * (update mode: among its inputs), else undefined. A batch that took no objects publishes nothing and is published as it is.
 * This is the `published` check {@link claimNextBatch} takes.
 *
 * @example
 * ```ts
 * const published = (entry) => publishedBatch(output, 'out/clicks/', clicks.stream, entry);
 * ```
 */
export async function publishedBatch(
  output: Store,
  prefix: string,
  stream: Pick<StreamSettings, 'name' | 'mode'>,
  entry: OffsetEntry,
): Promise<PublishedBatch | undefined> {
  // A batch that took no objects runs no job: its driver commits it (update mode: naming the
  // snapshot it carries over), whether it is claimed now or resumed.
  if (entry.files.length === 0) return undefined;
  const folder = batchFolder(stream.mode, entry.batch);
  let text: string;
  try {
    text = (await output.get(`${prefix}${folder}_SUCCESS`)).toString('utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = parsePersisted(successSchema, data);
  if (!parsed.ok || !isBatchJobId(parsed.value.jobId, stream.name, entry.batch)) return undefined;
  const manifest = parsed.value;
  // Update mode's runs also read the previous snapshot, so the batch's objects are a subset.
  const inputs = new Set(manifest.inputs);
  if (entry.files.some((f) => !inputs.has(f.uri))) return undefined;
  return { jobId: manifest.jobId, published: folder, records: manifest.records, bytes: manifest.bytes };
}
