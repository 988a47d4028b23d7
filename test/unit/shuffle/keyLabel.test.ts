import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Key } from '../../../framework/job/types.js';
import { decodeKey, encodeKey, InvalidKeyError, keyLabel } from '../../../framework/shuffle/index.js';
import { labelOfString } from '../../support/secrets.js';
import { normalize, randomKey, rng } from './keys.js';

const SECRET = 'alice.secret@example.com';
const label = (bytes: Buffer) => `key#${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;

/** A positive number's encoding written by hand: tag 0x30, the double big-endian, sign bit set. */
function positiveNumber(n: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0x30;
  b.writeDoubleBE(n, 1);
  b[1] = (b[1] as number) | 0x80;
  return b;
}

describe('keyLabel', () => {
  it('is key# and 12 hex digits of the SHA-256 of the key as encoded by hand', () => {
    for (const key of ['', 'a', SECRET, 'straße 東京 😀']) expect(keyLabel(key)).toBe(labelOfString(key));
    const str = (s: string) => Buffer.concat([Buffer.from([0x40]), Buffer.from(s), Buffer.from([0])]);
    const composite = Buffer.concat([Buffer.from([0x50]), str('GET'), positiveNumber(200), Buffer.from([0])]);
    expect(keyLabel(['GET', 200])).toBe(label(composite));
    expect(keyLabel(null)).toBe(label(Buffer.from([0x10])));
    expect(keyLabel(true)).toBe(label(Buffer.from([0x21])));
  });

  it('is the same for equal keys and differs between distinct keys', () => {
    expect(keyLabel(-0)).toBe(keyLabel(0));
    expect(keyLabel([1.0, 'x'])).toBe(keyLabel([1, 'x']));
    const random = rng(11);
    const byLabel = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const key = randomKey(random);
      const id = encodeKey(key).toString('hex');
      const seen = byLabel.get(keyLabel(key));
      if (seen !== undefined) expect(seen).toBe(id);
      byLabel.set(keyLabel(key), id);
      expect(keyLabel(key)).toMatch(/^key#[0-9a-f]{12}$/);
    }
    expect(byLabel.size).toBeGreaterThan(1000);
  });
});

describe('key errors never show what the key holds', () => {
  const hex = Buffer.from(SECRET).toString('hex');
  it.each([
    { email: SECRET },
    [SECRET, { email: SECRET }],
    [[SECRET], [Symbol(SECRET)]],
    `${SECRET}\uD800`,
    [SECRET, `\uDFFF${SECRET}`],
    [SECRET, Number.NaN],
    [SECRET, BigInt(7)],
    // biome-ignore lint/suspicious/noSparseArray: a hole is one of the invalid shapes
    [SECRET, , SECRET],
    [SECRET, () => SECRET],
  ])('%#: an invalid key', (bad) => {
    let error: unknown;
    try {
      encodeKey(bad as unknown as Key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect((error as Error).message).not.toContain('.secret@');
    expect((error as Error).message).toMatch(/^invalid key/);
  });

  it('bytes that are not a key', () => {
    const encoded = encodeKey([SECRET, SECRET]);
    for (const cut of [
      encoded.subarray(0, 20),
      encoded.subarray(0, encoded.length - 1),
      Buffer.concat([encoded, encoded]),
    ]) {
      const message = (() => {
        try {
          decodeKey(cut);
        } catch (e) {
          return (e as Error).message;
        }
        return 'decoded';
      })();
      expect(message).toMatch(/^not an encoded key/);
      expect(message).not.toContain('.secret@');
      expect(message).not.toContain(hex.slice(0, 16));
    }
  });

  it('while valid keys still round-trip', () => {
    const key: Key = ['a', [SECRET, 1, null]];
    expect(decodeKey(encodeKey(key))).toEqual(normalize(key));
  });
});
