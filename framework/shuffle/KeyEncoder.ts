import type { Key } from '../job/types.js';
import { InvalidKeyError } from './errors.js';
import { invalidKeyMessage, kindOf, loneSurrogateAt } from './invalidKey.js';
import { isWellFormed, KeyTag, MAX_KEY_DEPTH } from './keyTags.js';

/**
 * What was wrong with a key and where (its index path, outermost first), while encoding. A fault
 * that is not `located` (too deep) gets no path: the message says the depth instead.
 */
class KeyFault {
  readonly path: number[] = [];
  constructor(
    readonly what: string,
    readonly located = true,
  ) {}
}

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

  /**
   * Encodes `key` into `bytes` and returns its length. Throws `InvalidKeyError`, saying what
   * kind of value was wrong and where in the key, never what the key holds.
   */
  encode(key: Key): number {
    this.length = 0;
    try {
      this.write(key, 0);
    } catch (error) {
      if (error instanceof KeyFault)
        throw new InvalidKeyError(invalidKeyMessage(key, error.what, error.path));
      throw error;
    }
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
    throw new KeyFault(`${kindOf(key)} is not a key type`);
  }

  private writeArray(key: readonly Key[], depth: number): void {
    if (depth >= MAX_KEY_DEPTH)
      throw new KeyFault(`arrays nested deeper than ${MAX_KEY_DEPTH} (or a cycle)`, false);
    this.ensure(1);
    this.bytes[this.length++] = KeyTag.ARRAY;
    let i = 0;
    try {
      for (; i < key.length; i++) {
        if (!(i in key)) throw new KeyFault('a hole');
        this.write(key[i] as Key, depth + 1);
      }
    } catch (error) {
      if (error instanceof KeyFault && error.located) error.path.unshift(i);
      throw error;
    }
    this.ensure(1);
    this.bytes[this.length++] = KeyTag.END;
  }

  private writeNumber(n: number): void {
    if (!Number.isFinite(n)) throw new KeyFault(`a non-finite number (${n})`);
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
      throw new KeyFault(`a string with a lone surrogate at character ${loneSurrogateAt(s)}`);
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
}
