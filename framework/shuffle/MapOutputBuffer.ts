import { join } from 'node:path';
import type { Key } from '../job/types.js';
import { InvalidKeyError, InvalidShuffleOptionsError } from './errors.js';
import type { RunIndexEntry } from './format.js';
import { KeyEncoder } from './KeyEncoder.js';
import { describeKey, isWellFormed, KEY_RULE } from './keyTags.js';
import { mergeSpills, type Spill } from './mergeSpills.js';
import { checkPartitions } from './partitioner.js';
import { ShuffleWriter } from './ShuffleWriter.js';
import { nodeShuffleFs, openFileSink, type ShuffleFs } from './shuffleFs.js';
import { estimateValueBytes, KEY_COST, VALUE_SLOT_COST } from './sizeEstimate.js';
import { type ScalarKey, sortTable, type WriteCounts, writeRows } from './sortTable.js';

/** Options of a {@link MapOutputBuffer}. */
export interface MapOutputBufferOptions<K extends Key, V> {
  /** Number of reduce partitions (1..65535). */
  readonly partitions: number;
  /** Folds values of one key into one; must be associative and commutative. @default none */
  readonly combine?: (key: K, values: V[]) => V;
  /** Estimated heap bytes of buffered pairs before a sorted run spills to disk. */
  readonly memoryBudgetBytes: number;
  /** A local directory for spill files; the buffer works in its own subdirectory of it. */
  readonly spillDir: string;
  /** Values buffered per key before the combiner folds them into one. @default 32 */
  readonly combineEvery?: number;
  /** Where `finish` writes the shuffle file. @default `shuffle.smr` in the buffer's subdirectory */
  readonly outputPath?: string;
  /** Side effects, for tests. @default node:fs */
  readonly deps?: { readonly fs?: ShuffleFs };
}

/** The shuffle file of one map task, written by {@link MapOutputBuffer.finish}. */
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

/**
 * The map side of the shuffle: buffers emitted pairs by key (folding them with the combiner),
 * spills sorted runs to disk beyond a memory budget, and `finish` writes one shuffle file: for
 * each partition in order a run sorted by encoded key, then an index footer (see format.ts).
 * Keys are grouped by value (`1` and `1.0` are one key; string keys as they are), and encoded
 * only when a run is written.
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
  private scalars = new Map<ScalarKey, V[]>();
  private composites = new Map<string, V[]>();
  private bytes = 0;
  private valueCost = VALUE_SLOT_COST + 8;
  private sampleIn = 1;
  private emitted = 0;
  private readonly spilled: Spill[] = [];
  private readonly encoder = new KeyEncoder();
  private readonly combine: ((key: K, values: V[]) => V) | undefined;
  private readonly combineEvery: number;
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
    this.combine = options.combine;
    this.combineEvery =
      options.combine === undefined ? Number.POSITIVE_INFINITY : (options.combineEvery ?? 32);
    this.budget = options.memoryBudgetBytes;
    this.fs = options.deps?.fs ?? nodeShuffleFs;
  }

  /**
   * Buffers one emitted pair. Synchronous; may spill a sorted run to disk (synchronously) when
   * the buffer is over its budget. Throws `InvalidKeyError` for a key that is not a `Key`.
   */
  add(key: K, value: V): void {
    this.emitted++;
    if (typeof key === 'object' && key !== null) {
      this.addComposite(key as readonly Key[], value);
      return;
    }
    const values = this.scalars.get(key as ScalarKey);
    if (values === undefined) {
      this.addScalar(key as ScalarKey, value);
    } else if (values.push(value) >= this.combineEvery) {
      this.fold(key, values, this.scalars, key as ScalarKey);
    } else {
      this.bytes += this.valueCost;
      if (this.bytes > this.budget) this.spill();
    }
    if (--this.sampleIn === 0) this.sample(value);
  }

  /** Sorts, merges spills and writes the shuffle file. Call once, after the last `add`. */
  async finish(): Promise<ShuffleOutput> {
    this.checkOpen();
    this.finished = true;
    const path = this.options.outputPath ?? join(this.dir(), 'shuffle.smr');
    const { partitions } = this.options;
    const combine = this.combine as ((key: Key, values: V[]) => V) | undefined;
    let counts: WriteCounts;
    let written: { bytes: number; index: RunIndexEntry[] };
    const spills = this.spilled.length;
    if (spills === 0) {
      const file = openFileSink(this.fs, path);
      const writer = new ShuffleWriter(file.sink);
      const rows = sortTable(this.scalars, this.composites, partitions, this.encoder);
      this.clear();
      counts = writeRows(rows, writer, this.encoder, combine, MAX_VALUES_PER_ENTRY);
      written = writer.finish();
      file.close();
    } else {
      if (this.scalars.size + this.composites.size > 0) this.spill();
      const merged = await mergeSpills(this.spilled, {
        path,
        partitions,
        combine,
        fs: this.fs,
        budget: this.budget,
      });
      ({ counts, written } = merged);
      for (const spill of this.spilled) this.fs.rmSync(spill.path, { recursive: true, force: true });
    }
    return { path, ...written, ...counts, emitted: this.emitted, spills };
  }

  /** Removes the buffer's working directory: spill files and the default output file. */
  dispose(): void {
    if (this.workDir !== undefined) this.fs.rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
    this.clear();
  }

  private addScalar(key: ScalarKey, value: V): void {
    this.checkOpen();
    if (typeof key === 'string') {
      if (!isWellFormed(key)) invalid(key, 'a string with a lone surrogate');
      this.bytes += KEY_COST + key.length;
    } else if (typeof key === 'number') {
      if (!Number.isFinite(key)) invalid(key, 'a non-finite number');
      this.bytes += KEY_COST;
    } else if (typeof key === 'boolean' || key === null) {
      this.bytes += KEY_COST;
    } else {
      invalid(key, `a value of type ${typeof key}`);
    }
    this.scalars.set(key, [value]);
    this.bytes += this.valueCost;
    if (this.bytes > this.budget) this.spill();
  }

  private addComposite(key: readonly Key[], value: V): void {
    this.checkOpen();
    if (!Array.isArray(key)) invalid(key, 'an object');
    const length = this.encoder.encode(key);
    const id = this.encoder.bytes.toString('latin1', 0, length);
    const values = this.composites.get(id);
    if (values === undefined) {
      this.composites.set(id, [value]);
      this.bytes += KEY_COST + 2 * length;
    } else if (values.push(value) >= this.combineEvery) {
      this.fold(key as unknown as K, values, this.composites, id);
      return;
    }
    this.bytes += this.valueCost;
    if (this.bytes > this.budget) this.spill();
  }

  private fold<M>(key: K, values: V[], table: Map<M, V[]>, id: M): void {
    table.set(id, [(this.combine as (key: K, values: V[]) => V)(key, values)]);
    this.bytes -= (values.length - 2) * this.valueCost;
  }

  private sample(value: V): void {
    this.sampleIn = SAMPLE_EVERY;
    this.valueCost = (this.valueCost * 7 + VALUE_SLOT_COST + estimateValueBytes(value)) / 8;
  }

  private spill(): void {
    const path = join(this.dir(), `spill-${this.spilled.length}.smr`);
    const file = openFileSink(this.fs, path);
    const writer = new ShuffleWriter(file.sink);
    const rows = sortTable(this.scalars, this.composites, this.options.partitions, this.encoder);
    this.clear();
    const combine = this.combine as ((key: Key, values: V[]) => V) | undefined;
    writeRows(rows, writer, this.encoder, combine, MAX_VALUES_PER_ENTRY);
    const { index } = writer.finish();
    file.close();
    this.spilled.push({ path, index });
  }

  private clear(): void {
    this.scalars = new Map();
    this.composites = new Map();
    this.bytes = 0;
  }

  private dir(): string {
    this.workDir ??= this.fs.mkdtempSync(join(this.options.spillDir, 'stepmr-shuffle-'));
    return this.workDir;
  }

  private checkOpen(): void {
    if (this.finished)
      throw new InvalidShuffleOptionsError('MapOutputBuffer: add() or finish() after finish()');
  }
}

function invalid(key: unknown, what: string): never {
  throw new InvalidKeyError(`invalid key ${describeKey(key)}: ${what}; ${KEY_RULE}`);
}
