import type { GroupTable } from './GroupTable.js';
import type { KeyEncoder } from './KeyEncoder.js';
import { murmur3 } from './partitioner.js';
import { RunBuffer } from './RunBuffer.js';

/**
 * What was written, for the shuffle output's statistics.
 *
 * @example
 * ```ts
 * const counts: WriteCounts = { records: 0, keys: 0, values: 0 };
 * ```
 */
export interface WriteCounts {
  records: number;
  keys: number;
  values: number;
}

/**
 * Moves the buffered groups into one {@link RunBuffer} per partition, encoding each key once (for
 * its partition and its entry). `strings` is keyed by string keys, `others` by the latin1 of
 * other keys' encodings. Value lists longer than `maxValues` become several adjacent entries of
 * the same key. Throws `InvalidKeyError` for a string key with a lone surrogate.
 *
 * @example
 * ```ts
 * const { runs, counts } = collectRuns(strings, others, 8, new KeyEncoder(), 4096);
 * for (const run of runs) { writer.beginRun(); run.writeSorted(writer); writer.endRun(); }
 * ```
 */
export function collectRuns<V>(
  strings: GroupTable<V>,
  others: GroupTable<V>,
  partitions: number,
  encoder: KeyEncoder,
  maxValues: number,
): { runs: RunBuffer[]; counts: WriteCounts } {
  const runs = Array.from({ length: partitions }, () => new RunBuffer());
  const counts: WriteCounts = { records: 0, keys: 0, values: 0 };
  const add = (length: number, values: V[]): void => {
    const run = runs[murmur3(encoder.bytes, 0, length) % partitions] as RunBuffer;
    if (values.length <= maxValues) {
      run.add(encoder.bytes, length, values);
    } else {
      for (let from = 0; from < values.length; from += maxValues) {
        run.add(encoder.bytes, length, values.slice(from, from + maxValues));
      }
    }
    counts.records += Math.max(1, Math.ceil(values.length / maxValues));
    counts.keys++;
    counts.values += values.length;
  };
  strings.forEachGroup((key, values) => add(encoder.encode(key), values));
  others.forEachGroup((id, values) => add(latin1Into(encoder, id), values));
  return { runs, counts };
}

/** Writes a latin1 string (an encoded key) into the encoder's scratch buffer; returns its length. */
function latin1Into(encoder: KeyEncoder, s: string): number {
  if (encoder.bytes.length < s.length) {
    encoder.bytes = Buffer.allocUnsafe(Math.max(s.length, encoder.bytes.length * 2));
  }
  return encoder.bytes.write(s, 0, 'latin1');
}
