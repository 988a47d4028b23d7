import type { Key } from '../job/types.js';
import type { WriteCounts } from './collectRuns.js';
import type { RunIndexEntry } from './format.js';
import { decodeKey } from './keyCodec.js';
import { type KeyAt, RunCursor } from './RunCursor.js';
import { RunMerger } from './RunMerger.js';
import { ShuffleWriter } from './ShuffleWriter.js';
import { openFileSink, type ShuffleFs } from './shuffleFs.js';
import { countPacked, unpackValues } from './valueCodec.js';

/**
 * A sorted spill file on local disk and its run index.
 *
 * @example
 * ```ts
 * const spill: Spill = { path: '/tmp/stepmr-shuffle-x/spill-0.smr', index };
 * ```
 */
export interface Spill {
  readonly path: string;
  readonly index: readonly RunIndexEntry[];
}

/**
 * What {@link mergeSpills} needs besides the spills.
 *
 * @example
 * ```ts
 * const options: MergeSpillsOptions<number> = { path, partitions: 8, combine: undefined, fs: nodeShuffleFs, budget: 64 << 20 };
 * ```
 */
export interface MergeSpillsOptions<V> {
  readonly path: string;
  readonly partitions: number;
  readonly combine: ((key: Key, values: V[]) => V) | undefined;
  readonly fs: ShuffleFs;
  /** The map buffer's memory budget: read buffers of all spills together take a quarter (≥ 16 KiB each). */
  readonly budget: number;
}

/**
 * Merges spill files into one shuffle file at `options.path`, partition by partition: a k-way
 * merge of each partition's runs. With a combiner the values of equal keys are folded again into
 * one; without one, entries are copied as they are (equal keys stay adjacent, in spill order).
 *
 * @example
 * ```ts
 * const { counts, written } = await mergeSpills(spills, { path, partitions: 8, combine, fs: nodeShuffleFs, budget });
 * ```
 */
export async function mergeSpills<V>(
  spills: readonly Spill[],
  options: MergeSpillsOptions<V>,
): Promise<{ counts: WriteCounts; written: { bytes: number; index: RunIndexEntry[] } }> {
  const { combine, fs } = options;
  const highWaterMark = Math.max(16 << 10, Math.min(1 << 20, Math.floor(options.budget / 4 / spills.length)));
  const file = openFileSink(fs, options.path);
  const writer = new ShuffleWriter(file.sink);
  const counts: WriteCounts = { records: 0, keys: 0, values: 0 };
  try {
    for (let p = 0; p < options.partitions; p++) {
      writer.beginRun();
      const merger = openPartition(spills, p, fs, highWaterMark);
      try {
        if (combine === undefined) await copyEntries(merger, writer, counts);
        else await combineEntries(merger, writer, counts, combine);
      } finally {
        await merger.close();
      }
      writer.endRun();
    }
    return { counts, written: writer.finish() };
  } finally {
    file.close();
  }
}

function openPartition(spills: readonly Spill[], p: number, fs: ShuffleFs, highWaterMark: number): RunMerger {
  const cursors: RunCursor[] = [];
  for (const spill of spills) {
    const run = spill.index[p] as RunIndexEntry;
    if (run.length === 0) continue;
    const end = run.offset + run.length - 1; // createReadStream's end is inclusive
    const chunks = fs.createReadStream(spill.path, { start: run.offset, end, highWaterMark });
    cursors.push(new RunCursor(chunks, { name: spill.path, offset: run.offset, check: run }));
  }
  return new RunMerger(cursors);
}

/** Without a combiner: entries go through as bytes; a key's entries stay adjacent, in spill order. */
async function copyEntries(merger: RunMerger, writer: ShuffleWriter, counts: WriteCounts): Promise<void> {
  let last: KeyAt = { bytes: Buffer.alloc(0), start: 0, end: 0, prefix: -1 };
  let more = await merger.next();
  while (more) {
    const c = merger.cursor;
    writer.writeEntry(c.bytes, c.keyStart, c.keyEnd, c.bytes, c.valuesStart, c.valuesEnd);
    counts.records++;
    counts.values += countPacked(c.bytes, c.valuesStart, c.valuesEnd);
    if (!c.hasKey(last.bytes, last.start, last.end, last.prefix)) {
      counts.keys++;
      last = { bytes: c.bytes, start: c.keyStart, end: c.keyEnd, prefix: c.prefix };
    }
    const next = merger.next();
    more = typeof next === 'boolean' ? next : await next;
  }
}

/** With a combiner: the values of equal keys from all spills fold into one entry. */
async function combineEntries<V>(
  merger: RunMerger,
  writer: ShuffleWriter,
  counts: WriteCounts,
  combine: (key: Key, values: V[]) => V,
): Promise<void> {
  let more = await merger.next();
  while (more) {
    const first = merger.cursor;
    const { bytes, keyStart, keyEnd, valuesStart, valuesEnd, prefix } = first;
    let values: V[] | undefined;
    for (;;) {
      const next = merger.next();
      more = typeof next === 'boolean' ? next : await next;
      if (!more) break;
      const c = merger.cursor;
      if (!c.hasKey(bytes, keyStart, keyEnd, prefix)) break;
      values ??= unpackValues(bytes, valuesStart, valuesEnd, first) as V[];
      for (const value of unpackValues(c.bytes, c.valuesStart, c.valuesEnd, c) as V[]) values.push(value);
    }
    if (values === undefined) writer.writeEntry(bytes, keyStart, keyEnd, bytes, valuesStart, valuesEnd);
    else
      writer.writeValues(bytes, keyStart, keyEnd, [
        combine(decodeKey(bytes.subarray(keyStart, keyEnd)), values),
      ]);
    counts.records++;
    counts.keys++;
    counts.values++;
  }
}
