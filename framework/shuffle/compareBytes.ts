/** Bytes compared in JavaScript before the rest of two long ranges goes to `Buffer.compare`. */
const JS_BYTES = 48;

/**
 * Orders `a[aStart, aEnd)` against `b[bStart, bEnd)` byte by byte (negative, 0, positive), like
 * `Buffer.compare` on the two ranges. The first 48 bytes are compared in JavaScript, several
 * times faster than the native call and its argument checks; only longer equal heads go native.
 *
 * @example
 * ```ts
 * compareBytes(Buffer.from('ab'), 0, 2, Buffer.from('abc'), 0, 3) < 0; // true
 * ```
 */
export function compareBytes(
  a: Buffer,
  aStart: number,
  aEnd: number,
  b: Buffer,
  bStart: number,
  bEnd: number,
): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const n = Math.min(aLength, bLength);
  // Most keys differ early: the native call only for what follows 48 equal bytes.
  const head = Math.min(n, JS_BYTES);
  for (let i = 0; i < head; i++) {
    const d = (a[aStart + i] as number) - (b[bStart + i] as number);
    if (d !== 0) return d;
  }
  if (n <= JS_BYTES) return aLength - bLength;
  return a.compare(b, bStart + JS_BYTES, bEnd, aStart + JS_BYTES, aEnd);
}
