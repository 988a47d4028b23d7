import { compareBytes } from './compareBytes.js';
import { varintBytes, writeVarint } from './format.js';
import type { ShuffleWriter } from './ShuffleWriter.js';
import { packOneNumber, packValues } from './valueCodec.js';

const DIGIT = 12;
const BUCKETS = 1 << DIGIT;
const counts = new Int32Array(BUCKETS + 1);
const scratch = Buffer.alloc(16);

/**
 * One partition's entries, encoded (see format.ts) into one growing buffer in arrival order,
 * then written sorted by key. Sorting works on typed arrays: an LSD radix sort on the first six
 * key bytes, then byte comparisons only among entries whose first six bytes tie,
 * so no per-key objects or strings are touched. Entries of one key keep their arrival order.
 *
 * @example
 * ```ts
 * const run = new RunBuffer();
 * run.add(encodeKey('b'), 3, [1]);
 * run.add(encodeKey('a'), 3, [2]);
 * run.writeSorted(writer); // 'a' then 'b'
 * ```
 */
export class RunBuffer {
  /** Entries added. */
  count = 0;
  private bytes = Buffer.allocUnsafe(1 << 12);
  private length = 0;
  /** Per entry: start in `bytes`, key start, key end, prefix high and low 24 bits. */
  private meta = new Int32Array(5 * 256);

  /** Adds one entry: the encoded key `key[0, keyLength)` and its values. */
  add(key: Buffer, keyLength: number, values: readonly unknown[]): void {
    const one = values[0];
    let packed: Buffer = scratch;
    let packedLength: number;
    if (values.length === 1 && typeof one === 'number') packedLength = packOneNumber(one, scratch);
    else {
      packed = packValues(values);
      packedLength = packed.length;
    }
    const size = varintBytes(keyLength) + keyLength + varintBytes(packedLength) + packedLength;
    this.reserve(size);
    const b = this.bytes;
    const start = this.length;
    const keyStart = writeVarint(b, keyLength, start);
    for (let i = 0; i < keyLength; i++) b[keyStart + i] = key[i] as number;
    const valuesStart = writeVarint(b, packedLength, keyStart + keyLength);
    packed.copy(b, valuesStart, 0, packedLength);
    this.length = valuesStart + packedLength;
    const m = this.count * 5;
    this.meta[m] = start;
    this.meta[m + 1] = keyStart;
    this.meta[m + 2] = keyStart + keyLength;
    // The first six key bytes, missing ones as 0 (`key` is a scratch buffer: ignore what follows).
    let high = 0;
    let low = 0;
    for (let i = 0; i < 3; i++) high = (high << 8) | (i < keyLength ? (key[i] as number) : 0);
    for (let i = 3; i < 6; i++) low = (low << 8) | (i < keyLength ? (key[i] as number) : 0);
    this.meta[m + 3] = high;
    this.meta[m + 4] = low;
    this.count++;
  }

  /** Writes the entries to the writer's current run, in key order. */
  writeSorted(writer: ShuffleWriter): void {
    const order = this.sortedOrder();
    const { meta, bytes } = this;
    for (let i = 0; i < this.count; i++) {
      const entry = order[i] as number;
      const end = entry + 1 < this.count ? (meta[(entry + 1) * 5] as number) : this.length;
      writer.writeRaw(bytes, meta[entry * 5] as number, end);
    }
  }

  private sortedOrder(): Int32Array {
    const n = this.count;
    const meta = this.meta;
    let order = new Int32Array(n);
    let next = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let pass = 0; pass < 4; pass++) {
      const word = pass < 2 ? 4 : 3;
      const shift = (pass & 1) * DIGIT;
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const d = (((meta[i * 5 + word] as number) >>> shift) & (BUCKETS - 1)) + 1;
        counts[d] = (counts[d] as number) + 1;
      }
      if (n === 0 || counts[(((meta[word] as number) >>> shift) & (BUCKETS - 1)) + 1] === n) continue;
      for (let d = 0; d < BUCKETS; d++) counts[d + 1] = (counts[d + 1] as number) + (counts[d] as number);
      for (let i = 0; i < n; i++) {
        const entry = order[i] as number;
        const d = ((meta[entry * 5 + word] as number) >>> shift) & (BUCKETS - 1);
        const to = counts[d] as number;
        counts[d] = to + 1;
        next[to] = entry;
      }
      [order, next] = [next, order];
    }
    for (let i = 0; i < n; ) {
      let end = i + 1;
      const a = (order[i] as number) * 5;
      while (
        end < n &&
        meta[(order[end] as number) * 5 + 3] === meta[a + 3] &&
        meta[(order[end] as number) * 5 + 4] === meta[a + 4]
      )
        end++;
      if (end - i > 1) order.subarray(i, end).sort((x, y) => this.compareEntries(x, y));
      i = end;
    }
    return order;
  }

  /** Orders two entries by key bytes, then by arrival. */
  private compareEntries(x: number, y: number): number {
    const m = this.meta;
    const b = this.bytes;
    return (
      compareBytes(
        b,
        m[x * 5 + 1] as number,
        m[x * 5 + 2] as number,
        b,
        m[y * 5 + 1] as number,
        m[y * 5 + 2] as number,
      ) || x - y
    );
  }

  private reserve(size: number): void {
    if (this.length + size > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + size, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    if ((this.count + 1) * 5 > this.meta.length) {
      const grown = new Int32Array(this.meta.length * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
  }
}
