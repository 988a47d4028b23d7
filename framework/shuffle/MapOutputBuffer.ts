import { join } from 'node:path';
import type { Key } from '../job/types.js';
import { collectRuns, type WriteCounts } from './collectRuns.js';
import { InvalidKeyError, InvalidShuffleOptionsError } from './errors.js';
import type { RunIndexEntry } from './format.js';
import { GroupTable } from './GroupTable.js';
import { invalidKeyMessage, loneSurrogateAt } from './invalidKey.js';
import { KeyEncoder } from './KeyEncoder.js';
import { decodeKey } from './keyCodec.js';
import { isWellFormed } from './keyTags.js';
import { mergeSpills, type Spill } from './mergeSpills.js';
import { checkPartitions } from './partitioner.js';
import { ShuffleWriter } from './ShuffleWriter.js';
import { nodeShuffleFs, openFileSink, type ShuffleFs } from './shuffleFs.js';
import { estimateValueBytes } from './sizeEstimate.js';

/**
 * Options of a {@link MapOutputBuffer}.
 *
 * @example
 * ```ts
 * const options: MapOutputBufferOptions<string, number> = { partitions: 8, memoryBudgetBytes: 64 << 20, spillDir: '/tmp' };
 * ```
 */
export interface MapOutputBufferOptions<K extends Key, V> {
  /** Number of reduce partitions (1..65535). */
  readonly partitions: number;
  /** Folds values of one key into one; must be associative and commutative. @default none */
  readonly combine?: (key: K, values: V[]) => V;
  /**
   * `combine` as a fold of one value at a time, given when `combine(k, [a, b, c])` is always
   * `combineStep(combineStep(a, b), c)` (as for `count`): values are then folded as they
   * arrive instead of being buffered for `combine`. @default none
   */
  readonly combineStep?: (folded: V, value: V) => V;
  /** Estimated heap bytes of buffered pairs before a sorted run spills to disk. */
  readonly memoryBudgetBytes: number;
  /** A local directory for spill files; the buffer works in its own subdirectory of it. */
  readonly spillDir: string;
  /**
   * Values logged (beyond the two each key keeps inline) before the combiner folds them, per
   * key, in one call each. @default 65536, or less for budgets under 4 MiB
   */
  readonly combineEvery?: number;
  /** Where `finish` writes the shuffle file. @default `shuffle.smr` in the buffer's subdirectory */
  readonly outputPath?: string;
  /** Side effects, for tests. @default node:fs */
  readonly deps?: { readonly fs?: ShuffleFs };
}

/**
 * The shuffle file of one map task, written by {@link MapOutputBuffer.finish}.
 *
 * @example
 * ```ts
 * const { path, index } = await buffer.finish();
 * await store.put(`shuffle/map-${task}.smr`, createReadStream(path));
 * ```
 */
export interface ShuffleOutput {
  /** The local file. */
  readonly path: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** One entry per partition: where its run is in the file. */
  readonly index: readonly RunIndexEntry[];
  /** Entries written (a key's value list may span several entries when there is no combiner). */
  readonly records: number;
  /** Distinct keys written. */
  readonly keys: number;
  /** Values written (after combining). */
  readonly values: number;
  /** Pairs given to `add`. */
  readonly emitted: number;
  /** Sorted runs spilled to disk before `finish`. */
  readonly spills: number;
}

/** Values per entry without a combiner, so no entry grows without bound. */
const MAX_VALUES_PER_ENTRY = 4096;
const SAMPLE_EVERY = 1024;
/** Estimated bytes of one buffered value besides the value itself (a slot, log or list cell). */
const VALUE_SLOT_BYTES = 12;

/**
 * The map side of the shuffle: buffers emitted pairs by key (folding them with the combiner),
 * spills sorted runs to disk beyond a memory budget, and `finish` writes one shuffle file: for
 * each partition in order a run sorted by encoded key, then an index footer (see format.ts).
 * String keys are grouped as strings (see `GroupTable`), other keys by their canonical encoding
 * (`1` and `1.0` are one key); keys are encoded for the file only when a run is written.
 *
 * Memory is an estimate from key lengths, a fixed cost per key and a sampled size per value;
 * leave headroom between the budget and the heap limit. After an error the buffer is unusable.
 *
 * @example
 * ```ts
 * const buffer = new MapOutputBuffer<string, number>({
 *   partitions: 8, memoryBudgetBytes: 128 << 20, spillDir: tmpdir(), combine: (_w, n) => n.reduce((a, b) => a + b, 0),
 * });
 * for (const word of words) buffer.add(word, 1);
 * const output = await buffer.finish(); // upload output.path, then buffer.dispose()
 * ```
 */
export class MapOutputBuffer<K extends Key, V> {
  private readonly strings: GroupTable<V>;
  private readonly others: GroupTable<V>;
  private sampleIn = 1;
  private emitted = 0;
  private readonly spilled: Spill[] = [];
  private readonly encoder = new KeyEncoder();
  private readonly budget: number;
  private readonly fs: ShuffleFs;
  private workDir: string | undefined;
  private finished = false;

  constructor(private readonly options: MapOutputBufferOptions<K, V>) {
    checkPartitions(options.partitions);
    if (!(options.memoryBudgetBytes > 0)) {
      throw new InvalidShuffleOptionsError(
        `memoryBudgetBytes must be positive, got ${options.memoryBudgetBytes}`,
      );
    }
    this.budget = options.memoryBudgetBytes;
    this.fs = options.deps?.fs ?? nodeShuffleFs;
    const logSize = options.combineEvery ?? Math.max(64, Math.min(1 << 16, Math.floor(this.budget / 64)));
    const combine = options.combine as ((key: Key, values: V[]) => V) | undefined;
    const step = combine === undefined ? undefined : options.combineStep;
    this.strings = new GroupTable<V>(combine, logSize, step);
    const decoded =
      combine === undefined
        ? undefined
        : (id: string, values: V[]) => combine(decodeKey(Buffer.from(id, 'latin1')), values);
    this.others = new GroupTable<V>(decoded, logSize, step);
  }

  /**
   * Buffers one emitted pair. Synchronous; spills a sorted run to disk (synchronously) when the
   * buffer is over its budget. Throws `InvalidKeyError` for a key that is not a `Key`.
   */
  add(key: K, value: V): void {
    if (this.finished) throw new InvalidShuffleOptionsError('MapOutputBuffer.add() after finish()');
    this.emitted++;
    if (typeof key === 'string') {
      if (this.strings.add(key, value) && !isWellFormed(key)) loneSurrogate(key);
    } else {
      const length = this.encoder.encode(key);
      this.others.add(this.encoder.bytes.toString('latin1', 0, length), value);
    }
    if (--this.sampleIn === 0) this.sample(value);
    if (this.strings.bytes + this.others.bytes > this.budget) this.spill();
  }

  /** Sorts, merges spills and writes the shuffle file. Call once, after the last `add`. */
  async finish(): Promise<ShuffleOutput> {
    if (this.finished) throw new InvalidShuffleOptionsError('MapOutputBuffer.finish() was already called');
    this.finished = true;
    const path = this.options.outputPath ?? join(this.dir(), 'shuffle.smr');
    const spills = this.spilled.length;
    let counts: WriteCounts;
    let written: { bytes: number; index: RunIndexEntry[] };
    if (spills === 0) {
      ({ counts, written } = this.writeBuffered(path));
    } else {
      if (this.strings.size + this.others.size > 0) this.spill();
      const combine = this.options.combine as ((key: Key, values: V[]) => V) | undefined;
      const { partitions } = this.options;
      ({ counts, written } = await mergeSpills(this.spilled, {
        path,
        partitions,
        combine,
        fs: this.fs,
        budget: this.budget,
      }));
      for (const spill of this.spilled) this.fs.rmSync(spill.path, { recursive: true, force: true });
    }
    return { path, ...written, ...counts, emitted: this.emitted, spills };
  }

  /** Removes the buffer's working directory: spill files and the default output file. */
  dispose(): void {
    if (this.workDir !== undefined) this.fs.rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
    this.strings.clear();
    this.others.clear();
  }

  private sample(value: V): void {
    this.sampleIn = SAMPLE_EVERY;
    const cost = (this.strings.valueCost * 7 + VALUE_SLOT_BYTES + estimateValueBytes(value)) / 8;
    this.strings.valueCost = cost;
    this.others.valueCost = cost;
  }

  private spill(): void {
    const path = join(this.dir(), `spill-${this.spilled.length}.smr`);
    const { written } = this.writeBuffered(path);
    this.spilled.push({ path, index: written.index });
  }

  /** Writes the buffered groups as one sorted shuffle file and empties the buffer. */
  private writeBuffered(path: string): {
    counts: WriteCounts;
    written: { bytes: number; index: RunIndexEntry[] };
  } {
    const { partitions } = this.options;
    const { runs, counts } = collectRuns(
      this.strings,
      this.others,
      partitions,
      this.encoder,
      MAX_VALUES_PER_ENTRY,
    );
    this.strings.clear();
    this.others.clear();
    const file = openFileSink(this.fs, path);
    try {
      const writer = new ShuffleWriter(file.sink);
      for (const run of runs) {
        writer.beginRun();
        run.writeSorted(writer);
        writer.endRun();
      }
      return { counts, written: writer.finish() };
    } finally {
      file.close();
    }
  }

  private dir(): string {
    this.workDir ??= this.fs.mkdtempSync(join(this.options.spillDir, 'stepmr-shuffle-'));
    return this.workDir;
  }
}

function loneSurrogate(key: string): never {
  throw new InvalidKeyError(
    invalidKeyMessage(key, `a string with a lone surrogate at character ${loneSurrogateAt(key)}`),
  );
}
