/** Test helpers: random keys and an independent key order, written without the codec. */
import type { Key } from '../../../framework/job/types.js';

/** A deterministic pseudo-random source (LCG), so failures reproduce. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const UNITS = [
  'a',
  'b',
  'z',
  'A',
  '0',
  ' ',
  '\u0000',
  '\u0001',
  'é',
  'ß',
  '\u07ff',
  '\u0800',
  '\uD7FF',
  '\uE000',
  '\uFFFF',
  '😀',
  '𝄞',
  '\u{10FFFF}',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  1.5,
  -1.5,
  2 ** 53,
  -(2 ** 53),
  1e-300,
  -1e-300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  0.1,
  42,
  -42,
];

/** A random key: nested arrays, unicode (astral, U+0000), negatives, floats, -0. */
export function randomKey(random: () => number, depth = 0): Key {
  const kind = Math.floor(random() * (depth < 3 ? 6 : 5));
  switch (kind) {
    case 0:
      return random() < 0.3 ? null : random() < 0.5;
    case 1: {
      const pick = NUMBERS[Math.floor(random() * NUMBERS.length)] as number;
      return random() < 0.5 ? pick : (random() - 0.5) * 10 ** Math.floor(random() * 12);
    }
    case 2:
    case 3:
    case 4: {
      let s = '';
      const length = Math.floor(random() * 14);
      for (let i = 0; i < length; i++) s += UNITS[Math.floor(random() * UNITS.length)];
      return s;
    }
    default:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomKey(random, depth + 1));
  }
}

/** The key with -0 read as 0, as the codec canonicalises it. */
export function normalize(key: Key): Key {
  if (Array.isArray(key)) return key.map(normalize);
  return key === 0 ? 0 : key;
}

/** A stable text form of a key for Map lookups in expected results (not the codec). */
export function keyId(key: Key): string {
  return JSON.stringify(normalize(key));
}

const rank = (key: Key): number =>
  key === null
    ? 0
    : key === false
      ? 1
      : key === true
        ? 2
        : typeof key === 'number'
          ? 3
          : typeof key === 'string'
            ? 4
            : 5;

/** Key order, independently: null < false < true < numbers < strings (code points) < arrays. */
export function compareKeys(a: Key, b: Key): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = compareKeys(a[i] as Key, b[i] as Key);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  return 0;
}

function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0) as number);
  const cb = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    if (ca[i] !== cb[i]) return (ca[i] as number) - (cb[i] as number);
  }
  return ca.length - cb.length;
}
