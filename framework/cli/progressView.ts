import { bytes, count, duration } from './format.js';

/**
 * What a stage's progress line shows, at one moment: a snapshot of counts, from which
 * {@link renderStage} makes the line (a pure function, tested as such).
 *
 * @example
 * ```ts
 * const s: StageSnapshot = { label: 'reduce', unit: 'partition', items: 8, itemsDone: 2, running: 2, succeeded: 2,
 *   failed: 0, bytesTotal: 0, bytesRead: 0, records: 0, elapsedMs: 900, rate: undefined, done: false };
 * ```
 */
export interface StageSnapshot {
  /** `map` or `reduce`. */
  readonly label: string;
  /** What the stage's items are: `split` or `partition` (singular; the line adds the plural). */
  readonly unit: string;
  /** Items of the stage (splits, partitions), and how many are done. */
  readonly items: number;
  readonly itemsDone: number;
  /** Tasks (a task takes one or more items) by state. */
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Input bytes of the stage (0 when unknown, as for reduce) and bytes read so far. */
  readonly bytesTotal: number;
  readonly bytesRead: number;
  /** Records read by the stage's tasks so far. */
  readonly records: number;
  /** Milliseconds since the stage started. */
  readonly elapsedMs: number;
  /** Measured rate of work, in bytes (when `bytesTotal` > 0) or items per second, if known yet. */
  readonly rate: number | undefined;
  /** Whether the stage ended. */
  readonly done: boolean;
}

/**
 * A count and its unit, plural unless the count is 1.
 *
 * @example
 * ```ts
 * plural(1, 'split'); // '1 split'
 * plural(3, 'split'); // '3 splits'
 * ```
 */
export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * The progress line of a stage: items done, tasks running, succeeded and failed, bytes read
 * and their rate, records per second, and the time left at the measured rate (or the time the
 * stage took, once done).
 *
 * @example
 * ```ts
 * renderStage({ label: 'map', unit: 'split', items: 12, itemsDone: 3, running: 2, succeeded: 1, failed: 0,
 *   bytesTotal: 40 << 20, bytesRead: 12 << 20, records: 80_000, elapsedMs: 4000, rate: 4 << 20, done: false });
 * // 'map     3/12 splits | 12.0 MiB of 40.0 MiB | 4.0 MiB/s | ETA 7.0s | tasks: 2 running, 1 done | 20.0k records/s'
 * ```
 */
export function renderStage(s: StageSnapshot): string {
  // What matters most first: a narrow terminal cuts the line's end.
  const parts = [`${s.label.padEnd(7)} ${s.itemsDone}/${plural(s.items, s.unit)}`];
  const seconds = s.elapsedMs / 1000;
  if (s.bytesTotal > 0) {
    parts.push(`${bytes(Math.min(s.bytesRead, s.bytesTotal))} of ${bytes(s.bytesTotal)}`);
    const rate = s.done ? (seconds > 0 ? s.bytesRead / seconds : undefined) : s.rate;
    if (rate !== undefined) parts.push(`${bytes(rate)}/s`);
  }
  parts.push(s.done ? `in ${duration(s.elapsedMs)}` : `ETA ${eta(s)}`);
  const tasks = [
    s.running > 0 ? `${s.running} running` : '',
    s.succeeded > 0 ? `${s.succeeded} done` : '',
    s.failed > 0 ? `${s.failed} failed` : '',
  ].filter(Boolean);
  if (tasks.length > 0) parts.push(`tasks: ${tasks.join(', ')}`);
  if (seconds > 0 && s.records > 0) parts.push(`${count(s.records / seconds)} records/s`);
  return parts.join(' | ');
}

function eta(s: StageSnapshot): string {
  const ms = etaMs(s);
  return ms === undefined ? '?' : duration(ms);
}

/**
 * Time left at the measured rate, ms: what remains of the bytes (or, without bytes, of the
 * items) over the rate; undefined while no rate is known.
 *
 * @example
 * ```ts
 * etaMs({ ...snapshot, bytesTotal: 40, bytesRead: 12, rate: 4 }); // 7000
 * ```
 */
export function etaMs(s: StageSnapshot): number | undefined {
  if (s.rate === undefined || s.rate <= 0) return undefined;
  const left = s.bytesTotal > 0 ? s.bytesTotal - s.bytesRead : s.items - s.itemsDone;
  return Math.max(0, (left / s.rate) * 1000);
}

/**
 * The progress label and item unit of a job's stages, by state name, in `stepmr run` and in
 * `stepmr status --watch` alike.
 *
 * @example
 * ```ts
 * STAGE_KINDS.Map; // { label: 'map', unit: 'split' }
 * ```
 */
export const STAGE_KINDS: Readonly<Record<string, { label: 'map' | 'delegate' | 'reduce'; unit: string }>> = {
  Map: { label: 'map', unit: 'split' },
  Delegate: { label: 'delegate', unit: 'call' },
  Reduce: { label: 'reduce', unit: 'partition' },
};

/**
 * A rate over a sliding window of samples of a growing total, from the first sample that
 * moved: the time before any work shows (workers starting, a job module loading) does not
 * count, and the rate follows the recent pace rather than the average since the start.
 *
 * @example
 * ```ts
 * const meter = new RateMeter(10_000);
 * meter.add(0, 0); meter.add(2000, 0); meter.add(3000, 1000); meter.add(4000, 3000);
 * meter.rate(); // 1500 per second: from 2000 ms (the last still moment) to 4000 ms
 * ```
 */
export class RateMeter {
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  #samples: { t: number; v: number }[] = [];

  constructor(windowMs = 10_000, minSpanMs = 500) {
    this.#windowMs = windowMs;
    this.#minSpanMs = minSpanMs;
  }

  /** Adds the total `value` seen at time `t` (ms). */
  add(t: number, value: number): void {
    const samples = this.#samples;
    const last = samples.at(-1);
    if (last && value === last.v && samples.length === 1) {
      // Nothing moved yet: the window starts at the last still moment.
      samples[0] = { t, v: value };
      return;
    }
    samples.push({ t, v: value });
    while (samples.length > 2 && t - (samples[1] as { t: number }).t >= this.#windowMs) samples.shift();
  }

  /** Units per second over the window, or undefined while the window is shorter than its minimum. */
  rate(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.t - first.t < this.#minSpanMs || last.v === first.v) return undefined;
    return ((last.v - first.v) * 1000) / (last.t - first.t);
  }
}
