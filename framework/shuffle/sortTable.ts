import type { Key } from '../job/types.js';
import type { KeyEncoder } from './KeyEncoder.js';
import { decodeKey } from './keyCodec.js';
import { murmur3 } from './partitioner.js';
import type { ShuffleWriter } from './ShuffleWriter.js';
import { packValues } from './valueCodec.js';

/** A key without a composite part: the in-memory table keys these directly. */
export type ScalarKey = string | number | boolean | null;

/** One key of the in-memory table, ready to sort. */
export interface Row<V> {
  /** The sort string: the key itself (plain strings) or its encoding as latin1 (`encoded`). */
  s: string;
  encoded: boolean;
  readonly key: ScalarKey | undefined;
  values: V[];
}

/** What was written, for the shuffle output's statistics. */
export interface WriteCounts {
  records: number;
  keys: number;
  values: number;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Sorts the in-memory table by (partition, encoded key) without building a Buffer per key.
 * Plain string keys (no surrogates) sort as JavaScript strings, which for them is the order of
 * their encodings; a partition that also holds other keys sorts by the encodings (as latin1
 * strings, whose `<` is byte order). `composites` is keyed by the latin1 of the encoded key.
 *
 * @example
 * ```ts
 * const byPartition = sortTable(new Map([['b', [1]], ['a', [2]]]), new Map(), 4, new KeyEncoder());
 * ```
 */
export function sortTable<V>(
  scalars: ReadonlyMap<ScalarKey, V[]>,
  composites: ReadonlyMap<string, V[]>,
  partitions: number,
  encoder: KeyEncoder,
): Row<V>[][] {
  const rows: Row<V>[][] = Array.from({ length: partitions }, () => []);
  const mixed = new Uint8Array(partitions);
  for (const [key, values] of scalars) {
    const length = encoder.encode(key);
    const p = murmur3(encoder.bytes, 0, length) % partitions;
    const plain = typeof key === 'string' && (length - 2 === key.length || !SURROGATE.test(key));
    if (!plain) mixed[p] = 1;
    const s = plain ? key : encoder.bytes.toString('latin1', 0, length);
    (rows[p] as Row<V>[]).push({ s, encoded: !plain, key, values });
  }
  for (const [s, values] of composites) {
    const length = encoder.bytes.length >= s.length ? s.length : grow(encoder, s.length);
    encoder.bytes.write(s, 0, 'latin1');
    const p = murmur3(encoder.bytes, 0, length) % partitions;
    mixed[p] = 1;
    (rows[p] as Row<V>[]).push({ s, encoded: true, key: undefined, values });
  }
  for (let p = 0; p < partitions; p++) {
    const list = rows[p] as Row<V>[];
    if (mixed[p] === 1) {
      for (const row of list) {
        if (row.encoded) continue;
        row.s = encoder.bytes.toString('latin1', 0, encoder.encode(row.key as ScalarKey));
        row.encoded = true;
      }
    }
    list.sort(byS);
  }
  return rows;
}

/**
 * Writes sorted rows as one shuffle file's runs (partition 0..R-1), combining each key's
 * values into one with `combine` when given, and cutting longer value lists into entries of
 * at most `maxValues` values otherwise.
 *
 * @example
 * ```ts
 * const counts = writeRows(sortTable(scalars, composites, 4, encoder), writer, encoder, sum, 4096);
 * ```
 */
export function writeRows<V>(
  rows: readonly Row<V>[][],
  writer: ShuffleWriter,
  encoder: KeyEncoder,
  combine: ((key: Key, values: V[]) => V) | undefined,
  maxValues: number,
): WriteCounts {
  const counts: WriteCounts = { records: 0, keys: 0, values: 0 };
  for (const list of rows) {
    writer.beginRun();
    for (const row of list) {
      let length: number;
      if (row.encoded) {
        length = row.s.length;
        if (encoder.bytes.length < length) grow(encoder, length);
        encoder.bytes.write(row.s, 0, 'latin1');
      } else {
        length = encoder.encode(row.key as ScalarKey);
      }
      let values = row.values;
      if (combine !== undefined && values.length > 1) {
        const key = row.key !== undefined ? row.key : decodeKey(encoder.bytes.subarray(0, length));
        values = [combine(key, values)];
      }
      for (let from = 0; from < values.length; from += maxValues) {
        const part = from === 0 && values.length <= maxValues ? values : values.slice(from, from + maxValues);
        writer.writeEntry(encoder.bytes, 0, length, packValues(part));
        counts.records++;
      }
      counts.keys++;
      counts.values += values.length;
    }
    writer.endRun();
  }
  return counts;
}

function byS(a: { s: string }, b: { s: string }): number {
  return a.s < b.s ? -1 : 1;
}

function grow(encoder: KeyEncoder, length: number): number {
  encoder.bytes = Buffer.allocUnsafe(Math.max(length, encoder.bytes.length * 2));
  return length;
}
