import type { Key } from '../job/types.js';
import { ShuffleCorruptError } from './errors.js';
import { KeyEncoder } from './KeyEncoder.js';
import { KeyTag, MAX_KEY_DEPTH } from './keyTags.js';

const encoder = new KeyEncoder();

/**
 * Encodes a key canonically and order-preserving (in the style of FoundationDB's tuple layer):
 * the same key value gives the same bytes in every process, and comparing encodings byte by byte
 * (`compareEncoded`) orders keys as: null < false < true < numbers < strings < arrays.
 *
 * - number: tag, then the IEEE-754 double big-endian with the sign bit set (positive) or every
 *   bit flipped (negative). `-0` is `0`; integers and floats are one type (`1` equals `1.0`);
 *   NaN and ±Infinity are rejected.
 * - string: tag, the UTF-8 bytes with 0x00 escaped as 0x00 0xFF, then 0x00. String keys sort by
 *   their UTF-8 bytes, which is Unicode code point order (not JavaScript's UTF-16 `<` order,
 *   which differs for astral characters). Lone surrogates are rejected.
 * - array: tag, the elements, then 0x00; a prefix sorts first, elements compare in turn.
 *
 * Throws `InvalidKeyError` (naming the kind of value and where it is, never the key's content)
 * for objects, undefined, bigint, functions and symbols.
 *
 * @example
 * ```ts
 * compareEncoded(encodeKey(['a', 2]), encodeKey(['a', 10])) < 0; // true
 * ```
 */
export function encodeKey(key: Key): Buffer {
  const length = encoder.encode(key);
  return Buffer.from(encoder.bytes.subarray(0, length));
}

/**
 * Orders two encoded keys; the order of the keys themselves (see `encodeKey`).
 *
 * @example
 * ```ts
 * keys.map(encodeKey).sort(compareEncoded).map((bytes) => decodeKey(bytes));
 * ```
 */
export function compareEncoded(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/**
 * Decodes bytes made by `encodeKey`, exactly: `decodeKey(encodeKey(k))` deep-equals `k`
 * (with `-0` read back as `0`). Throws `ShuffleCorruptError` on bytes that are not one key.
 *
 * @example
 * ```ts
 * decodeKey(encodeKey(['user', 42])); // ['user', 42]
 * ```
 */
export function decodeKey(bytes: Uint8Array): Key {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = { buf, pos: 0 };
  const key = readKey(reader, 0);
  if (reader.pos !== buf.length) corrupt(buf, reader.pos, 'bytes after the end of the key');
  return key;
}

interface Reader {
  readonly buf: Buffer;
  pos: number;
}

const number = Buffer.alloc(8);

function readKey(r: Reader, depth: number): Key {
  const { buf } = r;
  if (r.pos >= buf.length) corrupt(buf, r.pos, 'the key ends early');
  const tag = buf[r.pos++];
  switch (tag) {
    case KeyTag.NULL:
      return null;
    case KeyTag.FALSE:
      return false;
    case KeyTag.TRUE:
      return true;
    case KeyTag.NUMBER:
      return readNumber(r);
    case KeyTag.STRING:
      return readString(r);
    case KeyTag.ARRAY: {
      if (depth >= MAX_KEY_DEPTH) corrupt(buf, r.pos - 1, `arrays nested deeper than ${MAX_KEY_DEPTH}`);
      const items: Key[] = [];
      while (r.pos < buf.length && buf[r.pos] !== KeyTag.END) items.push(readKey(r, depth + 1));
      if (r.pos >= buf.length) corrupt(buf, r.pos, 'an array without its end byte');
      r.pos++;
      return items;
    }
    default:
      return corrupt(buf, r.pos - 1, `unknown type tag 0x${(tag ?? 0).toString(16)}`);
  }
}

function readNumber(r: Reader): number {
  const { buf } = r;
  if (r.pos + 8 > buf.length) corrupt(buf, r.pos, 'a number cut short');
  const positive = ((buf[r.pos] as number) & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    const byte = buf[r.pos + i] as number;
    number[i] = positive ? (i === 0 ? byte & 0x7f : byte) : ~byte & 0xff;
  }
  const n = number.readDoubleBE(0);
  if (!Number.isFinite(n) || Object.is(n, -0))
    corrupt(buf, r.pos, 'a non-canonical number (not finite, or -0)');
  r.pos += 8;
  return n;
}

function readString(r: Reader): string {
  const { buf } = r;
  const start = r.pos;
  let end = buf.indexOf(0, start);
  if (end === -1) corrupt(buf, start, 'a string without its end byte');
  if (buf[end + 1] !== KeyTag.ESCAPE) {
    r.pos = end + 1;
    return buf.toString('utf8', start, end);
  }
  const parts: Buffer[] = [];
  let from = start;
  while (buf[end + 1] === KeyTag.ESCAPE) {
    parts.push(buf.subarray(from, end + 1)); // keep the 0x00, drop the escape
    from = end + 2;
    end = buf.indexOf(0, from);
    if (end === -1) corrupt(buf, from, 'a string without its end byte');
  }
  parts.push(buf.subarray(from, end));
  r.pos = end + 1;
  return Buffer.concat(parts).toString('utf8');
}

/** Says where the bytes fail to be a key, not what they hold: they may be most of a key. */
function corrupt(buf: Buffer, at: number, what: string): never {
  throw new ShuffleCorruptError(
    `not an encoded key (${what} at byte ${at} of ${buf.length}); the shuffle data is damaged`,
  );
}
