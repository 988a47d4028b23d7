/**
 * The exact sum of floats, kept as Shewchuk's non-overlapping partials (the algorithm of
 * Python's `math.fsum`), extended with a carry of whole 2^1024 units so that no intermediate
 * total can overflow: the state holds the exact sum of every number added, in any order or
 * grouping, and {@link roundSum} rounds it once, to nearest, ties to even.
 */

/**
 * A running exact sum: one number (the sum of what was added, exactly), or
 * `[carry, ...partials]`, whose exact value is `carry × 2^1024 + Σ partials`. A NaN or an
 * infinity is kept alone, as IEEE addition would end: `Infinity + -Infinity` is NaN.
 *
 * @example
 * ```ts
 * const state: SumState = addSums([1e100, 1, -1e100]); // exactly 1 (a number, or partials)
 * ```
 */
export type SumState = number | readonly number[];

const TWO_1023 = 2 ** 1023;
const TWO_1022 = 2 ** 1022;

/** The working form of a state: partials in increasing magnitude, and the carry. */
interface Acc {
  partials: number[];
  carry: number;
  special: number | undefined;
}

function newAcc(): Acc {
  return { partials: [], carry: 0, special: undefined };
}

/** Adds the finite or special number `x` to `acc`, exactly. */
function addNumber(acc: Acc, x: number): void {
  if (!Number.isFinite(x)) {
    acc.special = acc.special === undefined ? x : acc.special + x;
    return;
  }
  if (x === 0) return;
  let pending: number[] | undefined;
  let next: number | undefined = x;
  const partials = acc.partials;
  while (next !== undefined) {
    let v = next;
    let i = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j] as number;
      if (Math.abs(v) < Math.abs(y)) [v, y] = [y, v];
      let hi = v + y;
      let lo: number;
      if (Number.isFinite(hi)) {
        lo = y - (hi - v);
      } else {
        // v + y passes 2^1024: add the halves (exact, as neither is tiny), take 2^1024 out.
        const h = v / 2 + y / 2;
        const l = y / 2 - (h - v / 2);
        const sign = h > 0 ? 1 : -1;
        acc.carry += sign;
        hi = 2 * (h - sign * TWO_1023);
        pending ??= [];
        pending.push(2 * l);
        lo = 0;
      }
      if (lo !== 0) partials[i++] = lo;
      v = hi;
    }
    partials.length = i;
    if (v !== 0) partials.push(v);
    next = pending?.pop();
  }
}

function addState(acc: Acc, state: SumState): void {
  if (typeof state === 'number') {
    addNumber(acc, state);
    return;
  }
  const carry = state[0] ?? 0;
  for (let i = 1; i < state.length; i++) addNumber(acc, state[i] as number);
  acc.carry += carry;
}

/**
 * Adds states (numbers, or states from earlier calls) into one state holding their exact sum.
 *
 * @example
 * ```ts
 * addSums([0.1, 0.2, [0, 1e100, -1e100]]); // a state whose exact value is 0.1 + 0.2
 * ```
 */
export function addSums(states: Iterable<SumState>): SumState {
  const acc = newAcc();
  for (const s of states) addState(acc, s);
  if (acc.special !== undefined) return acc.special;
  if (acc.carry === 0 && acc.partials.length <= 1) return acc.partials[0] ?? 0;
  return [acc.carry, ...acc.partials];
}

/**
 * The value of a state rounded once to the nearest float (ties to even), as if the exact sum
 * were computed with infinite precision; an exact zero is `0`, never `-0`.
 *
 * @example
 * ```ts
 * roundSum(addSums([0.1, 0.2, 0.3, -0.6])); // 5.551115123125783e-17, the exact value rounded
 * ```
 */
export function roundSum(state: SumState): number {
  if (typeof state === 'number') return state === 0 ? 0 : state;
  const acc = newAcc();
  addState(acc, state);
  if (acc.special !== undefined) return acc.special;
  const partials = acc.partials;
  const top = Math.abs(partials[partials.length - 1] ?? 0);
  if (acc.carry === 0 && top < TWO_1022) return roundPartials(partials);
  return roundBig(partials, acc.carry);
}

/**
 * Rounds `carry × 2^1024 + Σ partials` through an exact integer in units of 2^-1074: the rare
 * totals near the float range's end, where the float steps of the usual rounding overflow.
 */
function roundBig(partials: readonly number[], carry: number): number {
  let total = BigInt(carry) << 2098n;
  for (const p of partials) total += scaledInteger(p);
  const negative = total < 0n;
  const n = negative ? -total : total;
  const shift = n.toString(2).length - 53;
  let value: number;
  if (shift <= 0) value = Number(n) * 2 ** -1074;
  else {
    let mantissa = n >> BigInt(shift);
    const rest = n - (mantissa << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (rest > half || (rest === half && (mantissa & 1n) === 1n)) mantissa += 1n;
    value = Number(mantissa) * 2 ** (shift - 1074);
  }
  return negative ? -value : value;
}

const view = new DataView(new ArrayBuffer(8));

/** The finite `x` times 2^1074, an exact integer. */
function scaledInteger(x: number): bigint {
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const exponent = (high >>> 20) & 0x7ff;
  const mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  const whole = exponent === 0 ? mantissa : (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return x < 0 ? -whole : whole;
}

/** Python's final step of fsum: the sum of non-overlapping partials, correctly rounded. */
function roundPartials(partials: number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  const next = n > 0 ? (partials[n - 1] as number) : 0;
  if ((lo < 0 && next < 0) || (lo > 0 && next > 0)) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi === 0 ? 0 : hi;
}
