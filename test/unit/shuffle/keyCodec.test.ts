import { describe, expect, it } from 'vitest';
import type { Key } from '../../../framework/job/types.js';
import {
  compareEncoded,
  decodeKey,
  encodeKey,
  InvalidKeyError,
  ShuffleCorruptError,
} from '../../../framework/shuffle/index.js';
import { compareKeys, normalize, randomKey, rng } from './keys.js';

describe('encodeKey / decodeKey', () => {
  const random = rng(7);
  const keys = Array.from({ length: 5000 }, () => randomKey(random));

  it('round-trips random keys exactly (with -0 read as 0)', () => {
    for (const key of keys) expect(decodeKey(encodeKey(key))).toEqual(normalize(key));
  });

  it('orders encodings as an independent comparator orders the keys', () => {
    const byCodec = keys
      .map(encodeKey)
      .sort(compareEncoded)
      .map((bytes) => decodeKey(bytes));
    const byReference = keys.map(normalize).sort(compareKeys);
    expect(byCodec).toEqual(byReference);
  });

  it('agrees with the comparator on every pair of a sample, ties included', () => {
    const pick = rng(11);
    for (let i = 0; i < 20000; i++) {
      const a = keys[Math.floor(pick() * keys.length)] as Key;
      const b = i % 10 === 0 ? a : (keys[Math.floor(pick() * keys.length)] as Key);
      expect(Math.sign(compareEncoded(encodeKey(a), encodeKey(b)))).toBe(Math.sign(compareKeys(a, b)));
    }
  });

  it('treats 1 and 1.0, 0 and -0 as one key, and sorts numbers numerically', () => {
    expect(encodeKey(1)).toEqual(encodeKey(1.0));
    expect(encodeKey(-0)).toEqual(encodeKey(0));
    const numbers = [3, -2.5, 10, -1e9, 0, 1e-9, -1e-9, 2 ** 60];
    const sorted = numbers.map(encodeKey).sort(compareEncoded).map(decodeKey);
    expect(sorted).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('sorts strings by code point, not by UTF-16 unit, and keeps U+0000 apart', () => {
    const strings = ['\uFFFF', '😀', 'a', 'a\u0000', 'a\u0000b', 'a\u0001', ''];
    const sorted = strings.map(encodeKey).sort(compareEncoded).map(decodeKey);
    expect(sorted).toEqual(['', 'a', 'a\u0000', 'a\u0000b', 'a\u0001', '\uFFFF', '😀']);
  });

  it('puts a prefix array first and compares nested arrays element by element', () => {
    const arrays: Key[] = [['a', 1], ['a'], [], [['a']], ['a', null], [null]];
    const sorted = arrays.map(encodeKey).sort(compareEncoded).map(decodeKey);
    expect(sorted).toEqual([[], [null], ['a'], ['a', null], ['a', 1], [['a']]]);
  });

  it.each([
    [{ id: 1 }, 'object'],
    [undefined, 'undefined'],
    [10n, 'bigint'],
    [() => 1, 'function'],
    [Number.NaN, 'non-finite'],
    [Number.POSITIVE_INFINITY, 'non-finite'],
    ['\uD800', 'lone surrogate'],
    [['ok', { nested: true }], 'object'],
  ])('rejects %s with an InvalidKeyError naming the problem', (key, what) => {
    const attempt = () => encodeKey(key as unknown as Key);
    expect(attempt).toThrow(InvalidKeyError);
    expect(attempt).toThrow(what);
    expect(attempt).toThrow('a key must be a string');
  });

  it('rejects cyclic arrays instead of overflowing the stack', () => {
    const cyclic: Key[] = [];
    cyclic.push(cyclic);
    expect(() => encodeKey(cyclic)).toThrow(InvalidKeyError);
  });

  it('rejects bytes that are not one encoded key', () => {
    expect(() => decodeKey(Buffer.from([0x99]))).toThrow(ShuffleCorruptError);
    expect(() => decodeKey(Buffer.concat([encodeKey('a'), encodeKey('b')]))).toThrow(ShuffleCorruptError);
    expect(() => decodeKey(encodeKey('abc').subarray(0, 3))).toThrow(ShuffleCorruptError);
  });
});
