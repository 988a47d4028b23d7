import type { Key } from '../job/types.js';
import { InvalidKeyError } from './errors.js';
import { describeKey, isWellFormed, KEY_RULE, KeyTag, MAX_KEY_DEPTH } from './keyTags.js';

/**
 * Encodes keys into one reusable scratch buffer, so hot loops encode without allocating.
 * The bytes are valid until the next `encode`; copy them to keep them. See `encodeKey` for
 * the encoding itself.
 *
 * @example
 * ```ts
 * const encoder = new KeyEncoder();
 * const length = encoder.encode(['user', 42]);
 * const bytes = Buffer.from(encoder.bytes.subarray(0, length));
 * ```
 */
export class KeyEncoder {
  /** The scratch buffer; the last encoded key is `bytes[0, length)`. */
  bytes: Buffer = Buffer.allocUnsafe(256);
  private length = 0;
  private root: unknown;

  /** Encodes `key` into `bytes` and returns its length. Throws `InvalidKeyError`. */
  encode(key: Key): number {
    this.length = 0;
    this.root = key;
    this.write(key, 0);
    this.root = undefined;
    return this.length;
  }

  private write(key: Key, depth: number): void {
    switch (typeof key) {
      case 'string':
        this.writeString(key);
        return;
      case 'number':
        this.writeNumber(key);
        return;
      case 'boolean':
        this.ensure(1);
        this.bytes[this.length++] = key ? KeyTag.TRUE : KeyTag.FALSE;
        return;
      case 'object':
        if (key === null) {
          this.ensure(1);
          this.bytes[this.length++] = KeyTag.NULL;
          return;
        }
        if (Array.isArray(key)) {
          this.writeArray(key, depth);
          return;
        }
    }
    this.fail(`unsupported ${key === null ? 'null' : typeof key} ${describeKey(key)} in it`);
  }

  private writeArray(key: readonly Key[], depth: number): void {
    if (depth >= MAX_KEY_DEPTH) this.fail(`arrays nested deeper than ${MAX_KEY_DEPTH} (or a cycle)`);
    this.ensure(1);
    this.bytes[this.length++] = KeyTag.ARRAY;
    for (let i = 0; i < key.length; i++) {
      if (!(i in key)) this.fail(`a hole at index ${i}`);
      this.write(key[i] as Key, depth + 1);
    }
    this.ensure(1);
    this.bytes[this.length++] = KeyTag.END;
  }

  private writeNumber(n: number): void {
    if (!Number.isFinite(n)) this.fail(`the non-finite number ${n}`);
    this.ensure(9);
    const at = this.length + 1;
    this.bytes[this.length] = KeyTag.NUMBER;
    this.bytes.writeDoubleBE(n === 0 ? 0 : n, at); // n === 0 folds -0 into 0
    const b = this.bytes;
    if ((b[at] as number) & 0x80) {
      for (let i = at; i < at + 8; i++) b[i] = ~(b[i] as number) & 0xff; // negative: flip every bit
    } else {
      b[at] = (b[at] as number) | 0x80; // positive: set the sign bit
    }
    this.length += 9;
  }

  private writeString(s: string): void {
    this.ensure(s.length * 3 + 2);
    const b = this.bytes;
    b[this.length++] = KeyTag.STRING;
    const start = this.length;
    const written = b.write(s, start, 'utf8');
    if (written !== s.length && !isWellFormed(s))
      this.fail(`the string ${describeKey(s)} with a lone surrogate`);
    this.length = start + written;
    if (s.indexOf('\u0000') !== -1) this.escapeZeros(start);
    this.ensure(1);
    this.bytes[this.length++] = KeyTag.END;
  }

  /** Escapes each 0x00 in `bytes[start, length)` as 0x00 0xFF, so 0x00 alone ends the string. */
  private escapeZeros(start: number): void {
    const end = this.length;
    let zeros = 0;
    for (let i = start; i < end; i++) if (this.bytes[i] === 0) zeros++;
    this.ensure(zeros);
    const b = this.bytes;
    // Move bytes from the end so nothing is overwritten before it is moved.
    for (let from = end - 1, to = end + zeros - 1; from >= start; from--) {
      const byte = b[from] as number;
      if (byte === 0) b[to--] = KeyTag.ESCAPE;
      b[to--] = byte;
    }
    this.length = end + zeros;
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  private fail(what: string): never {
    const root = this.root;
    this.root = undefined;
    throw new InvalidKeyError(`invalid key ${describeKey(root)}: ${what}; ${KEY_RULE}`);
  }
}
