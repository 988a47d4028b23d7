import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../../framework/shuffle/compareBytes.js';

/** Ranges that often share a long head, so both the JavaScript and the native part decide. */
const range = fc
  .tuple(
    fc.uint8Array({ minLength: 0, maxLength: 3 }),
    fc.integer({ min: 0, max: 120 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 6 }),
  )
  .map(([pad, head, tail, after]) => ({
    bytes: Buffer.concat([pad, Buffer.alloc(head, 0x61), tail, after]),
    start: pad.length,
    end: pad.length + head + tail.length,
  }));

describe('compareBytes', () => {
  it('orders two ranges as Buffer.compare orders copies of them, at every length', () => {
    fc.assert(
      fc.property(range, range, (a, b) => {
        const got = Math.sign(compareBytes(a.bytes, a.start, a.end, b.bytes, b.start, b.end));
        const copies = Buffer.compare(a.bytes.subarray(a.start, a.end), b.bytes.subarray(b.start, b.end));
        expect(got).toBe(copies);
      }),
      { numRuns: 5000 },
    );
  });
});
