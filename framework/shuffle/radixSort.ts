const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const counts = new Int32Array(RADIX + 1);
let scratchSlots: Int32Array = new Int32Array(0);
let scratchValues: unknown[] = [];

/**
 * Sorts the first `n` (slot, value) pairs by slot, stably, in place: an LSD radix sort with
 * 11-bit digits over slots below 2^`bits`. Linear time, and cache-friendly compared with a
 * comparison sort, for folding the map buffer's value log.
 *
 * @example
 * ```ts
 * const slots = Int32Array.of(3, 1, 3);
 * const values = ['a', 'b', 'c'];
 * radixSortBySlot(slots, values, 3, 2); // slots 1,3,3; values 'b','a','c'
 * ```
 */
export function radixSortBySlot(slots: Int32Array, values: unknown[], n: number, bits: number): void {
  if (scratchSlots.length < n) {
    scratchSlots = new Int32Array(n);
    scratchValues = new Array(n).fill(undefined);
  }
  let fromSlots: Int32Array = slots;
  let fromValues = values;
  let toSlots = scratchSlots;
  let toValues = scratchValues;
  for (let shift = 0; shift < bits; shift += DIGIT_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const digit = (((fromSlots[i] as number) >>> shift) & (RADIX - 1)) + 1;
      counts[digit] = (counts[digit] as number) + 1;
    }
    for (let d = 0; d < RADIX; d++) counts[d + 1] = (counts[d + 1] as number) + (counts[d] as number);
    for (let i = 0; i < n; i++) {
      const slot = fromSlots[i] as number;
      const digit = (slot >>> shift) & (RADIX - 1);
      const to = counts[digit] as number;
      counts[digit] = to + 1;
      toSlots[to] = slot;
      toValues[to] = fromValues[i];
    }
    [fromSlots, toSlots] = [toSlots, fromSlots];
    [fromValues, toValues] = [toValues, fromValues];
  }
  if (fromSlots !== slots) {
    slots.set(fromSlots.subarray(0, n));
    for (let i = 0; i < n; i++) values[i] = fromValues[i];
  }
  scratchValues.fill(undefined, 0, n);
}
