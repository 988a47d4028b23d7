import type { Key } from '../job/types.js';
import type { RunIndexEntry } from './format.js';
import { decodeKey } from './keyCodec.js';
import { RunCursor } from './RunCursor.js';
import { RunMerger } from './RunMerger.js';
import { ShuffleWriter } from './ShuffleWriter.js';
import { openFileSink, type ShuffleFs } from './shuffleFs.js';
import type { WriteCounts } from './sortTable.js';
import { countPacked, packValues, unpackValues } from './valueCodec.js';

/** A sorted spill file on local disk and its run index. */
export interface Spill {
  readonly path: string;
  readonly index: readonly RunIndexEntry[];
}

/** What {@link mergeSpills} needs besides the spills. */
export interface MergeSpillsOptions<V> {
  readonly path: string;
  readonly partitions: number;
  readonly combine: ((key: Key, values: V[]) => V) | undefined;
  readonly fs: ShuffleFs;
  /** The map buffer's memory budget; read buffers of all spills together stay below a quarter. */
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
  let last: Buffer | undefined;
  let more = await merger.next();
  while (more) {
    const { key, values } = merger.cursor;
    writer.writeEntry(key, 0, key.length, values);
    counts.records++;
    counts.values += countPacked(values);
    if (last === undefined || !last.equals(key)) counts.keys++;
    last = key;
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
    const { key, values: packed, where } = merger.cursor;
    const values = unpackValues(packed, where) as V[];
    let entries = 1;
    for (;;) {
      const next = merger.next();
      more = typeof next === 'boolean' ? next : await next;
      if (!more || !merger.cursor.key.equals(key)) break;
      for (const value of unpackValues(merger.cursor.values, merger.cursor.where) as V[]) values.push(value);
      entries++;
    }
    if (entries === 1 && values.length === 1) writer.writeEntry(key, 0, key.length, packed);
    else writer.writeEntry(key, 0, key.length, packValues([combine(decodeKey(key), values)]));
    counts.records++;
    counts.keys++;
    counts.values++;
  }
}
