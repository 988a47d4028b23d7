import { jobExecutionInput } from '../contract/events.js';
import { parsePersisted, splitSchema } from '../contract/persisted.js';
import { ObjectNotFoundError } from '../store/errors.js';
import type { Store } from '../store/Store.js';
import { TaskInputError } from '../tasks/errors.js';
import { type JobPlan, type JobRef, workKeys } from '../tasks/payloads.js';
import { readPlan } from '../tasks/plan.js';

/** Bytes of a job's map stage: its input (`total`) and those of the splits whose task ended. */
export interface StageBytes {
  readonly total: number;
  readonly read: number;
}

/** A job's execution input, as far as its progress needs it: its working prefix and batching. */
export interface JobInput {
  readonly job: JobRef;
  readonly splitsPerTask: number;
}

/**
 * The job a stepmr execution runs, from its input (checked by the contract's schema): the job's
 * reference, with its prefix the job's own (`<root><job id>/`) and its id the execution's
 * name, and the splits a map task takes. Undefined for any other execution.
 *
 * @example
 * ```ts
 * jobInputOf(described.input, described.name, 'work/')?.job.prefix; // 'work/wc-1/'
 * ```
 */
export function jobInputOf(
  input: string | undefined,
  name: string | undefined,
  root: string,
): JobInput | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(input ?? '');
  } catch {
    return undefined;
  }
  const parsed = jobExecutionInput.safeParse(raw);
  if (!parsed.success) return undefined;
  const { jobId, bucket, prefix, run } = parsed.data;
  if (jobId !== name || prefix !== `${root}${jobId}/`) return undefined;
  return { job: { jobId, bucket, prefix }, splitsPerTask: run.splitsPerTask };
}

/**
 * The bytes and splits of the map tasks that wrote their output, each task named by its first
 * split's id. Batches are runs of `splitsPerTask` consecutive lines of `splits.jsonl` (the
 * ItemBatcher's), so the task of the split on line `i` took lines `i` up to `i + splitsPerTask`,
 * and never past the next task's first split. A first split not in the plan counts nothing.
 *
 * @example
 * ```ts
 * const splits = [{ id: 0, size: 10 }, { id: 1, size: 20 }, { id: 2, size: 5 }];
 * finishedSplits(splits, 2, [2]); // { bytes: 5, splits: 1 }
 * ```
 */
export function finishedSplits(
  splits: readonly { readonly id: number; readonly size: number }[],
  splitsPerTask: number,
  firsts: Iterable<number>,
): { bytes: number; splits: number } {
  const lineOf = new Map(splits.map((s, line) => [s.id, line]));
  const starts = [...new Set([...firsts].flatMap((f) => lineOf.get(f) ?? []))].sort((a, b) => a - b);
  let bytes = 0;
  let count = 0;
  for (const [i, start] of starts.entries()) {
    const end = Math.min(start + splitsPerTask, starts[i + 1] ?? splits.length, splits.length);
    for (let line = start; line < end; line++) bytes += splits[line]?.size ?? 0;
    count += end - start;
  }
  return { bytes, splits: count };
}

/** What a map task of the plan's kind writes when it ends, keyed by its first split. */
function outputPattern(plan: JobPlan, ref: JobRef): { under: string; first: RegExp } {
  const at = ref.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (plan.delegate)
    return { under: `${ref.prefix}tasks/`, first: new RegExp(`^${at}tasks/map-(\\d{5,})\\.jsonl$`) };
  if (plan.reducers > 0)
    return {
      under: `${ref.prefix}shuffle/`,
      first: new RegExp(`^${at}shuffle/[0-9a-f]/map-(\\d{5,})\\.bin$`),
    };
  return { under: `${ref.prefix}parts/`, first: new RegExp(`^${at}parts/part-(\\d{5,})$`) };
}

/** A job's plan and splits, read once per watch; no plan once a stopped job's was removed. */
interface MapLayout {
  readonly plan: JobPlan | undefined;
  /** Undefined once the job's commit removed `splits.jsonl`. */
  readonly splits: readonly { readonly id: number; readonly size: number }[] | undefined;
}

/** Reads `splits.jsonl`, every line checked by the contract's schema; undefined if it is gone. */
async function readSplits(store: Store, ref: JobRef): Promise<MapLayout['splits']> {
  const key = workKeys.splits(ref);
  if (!(await store.head(key))) return undefined;
  const text = (await store.get(key)).toString('utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  return lines.map((line, i) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      raw = undefined;
    }
    const parsed = parsePersisted(splitSchema, raw);
    if (!parsed.ok)
      throw new TaskInputError(`${store.url}${key} line ${i + 1} is not a split: ${parsed.error}`);
    return parsed.value;
  });
}

/**
 * Reads, from a job's working objects, the bytes its map stage has read: the splits of the map
 * tasks whose output is written (one LIST of the job's shuffle objects, staged parts or task
 * lists, per call), against all the splits of its plan (`job.json` and `splits.jsonl`, read once
 * and checked by the contract's schemas). Exact for tasks that ended; a task still running
 * counts nothing until it ends.
 *
 * @example
 * ```ts
 * const reader = new MapBytesReader((bucket) => bucketStore(bucket));
 * const bytes = await reader.bytes(input, { running: true, allSucceeded: false, items: 40 });
 * ```
 */
export class MapBytesReader {
  readonly #open: (bucket: string) => Store;
  readonly #layouts = new Map<string, Promise<MapLayout>>();

  constructor(open: (bucket: string) => Store) {
    this.#open = open;
  }

  /**
   * The map stage's bytes now, or undefined when they cannot be known exactly (the plan is
   * gone, or holds another number of splits than the stage has items). A store that cannot be
   * read rejects, naming the object.
   */
  async bytes(
    input: JobInput,
    stage: { readonly running: boolean; readonly allSucceeded: boolean; readonly items: number },
  ): Promise<StageBytes | undefined> {
    const store = this.#open(input.job.bucket);
    const layout = await this.#layout(store, input.job);
    const { plan, splits } = layout;
    if (!plan) return undefined;
    if (splits && splits.length !== stage.items) return undefined;
    // Once the commit removed splits.jsonl, the plan's input is the stage's (but a redrive's).
    const total = splits
      ? splits.reduce((n, s) => n + s.size, 0)
      : plan.redrive
        ? undefined
        : plan.inputBytes;
    if (total === undefined) return undefined;
    if (!stage.running && stage.allSucceeded) return { total, read: total };
    if (!splits) return undefined;
    const { under, first } = outputPattern(plan, input.job);
    const firsts: number[] = [];
    for await (const object of store.list(under)) {
      const match = first.exec(object.key);
      if (match) firsts.push(Number(match[1]));
    }
    return { total, read: finishedSplits(splits, input.splitsPerTask, firsts).bytes };
  }

  #layout(store: Store, ref: JobRef): Promise<MapLayout> {
    const key = `${ref.bucket}/${ref.prefix}`;
    let layout = this.#layouts.get(key);
    if (!layout) {
      const plan = readPlan(store, ref).catch((error: Error) => {
        if (error.cause instanceof ObjectNotFoundError) return undefined;
        throw error;
      });
      layout = Promise.all([plan, readSplits(store, ref)]).then(([plan, splits]) => ({ plan, splits }));
      // A failed read is tried again at the next poll.
      layout.catch(() => this.#layouts.delete(key));
      this.#layouts.set(key, layout);
    }
    return layout;
  }
}
