import { RateMeter, renderStage, type StageSnapshot } from './progressView.js';

interface Stage {
  readonly label: string;
  readonly unit: string;
  items: number;
  itemsDone: number;
  succeeded: number;
  failed: number;
  readonly bytesTotal: number;
  readonly started: number;
  /** Bytes and records each task (by its first item) reported last, finished or not. */
  readonly tasks: Map<number, { bytes: number; records: number }>;
  readonly meter: RateMeter;
  done: boolean;
  /** The last line written without a terminal, so that the same line is never written twice. */
  lastPlain: string;
  lastPlainAt: number;
}

/** How often a plain line (off a terminal) is written per stage, at most, in ms. */
const PLAIN_EVERY_MS = 5000;
/** How often the live line on a terminal is redrawn, at most, in ms. */
const LIVE_EVERY_MS = 100;

/**
 * Shows a job's progress: one live line on a terminal, plain lines otherwise (at most one per
 * stage every few seconds, never the same line twice), so logs stay readable. Tasks report the
 * bytes and records they have read as they go; the engine's Map Run counts give the items and
 * tasks done and failed.
 *
 * @example
 * ```ts
 * const p = new Progress(process.stderr);
 * p.start('map', 40, 'split', 2_000_000);
 * p.task('map', 0, 65_536, 1_200); // task of split 0 has read 64 KiB so far
 * p.counts('map', { itemsDone: 4, succeeded: 1, failed: 0 });
 * p.finish('map');
 * ```
 */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #stages = new Map<string, Stage>();
  readonly #now: () => number;
  #lastLive = 0;
  #lineOpen = false;

  constructor(out: NodeJS.WriteStream, options: { tty?: boolean; now?: () => number } = {}) {
    this.#out = out;
    this.#tty = options.tty ?? out.isTTY === true;
    this.#now = options.now ?? Date.now;
  }

  /** A stage starts: `items` of `unit` (singular), with `bytesTotal` bytes to read if known. */
  start(label: string, items: number, unit: string, bytesTotal = 0): void {
    const started = this.#now();
    const meter = new RateMeter();
    meter.add(started, 0);
    this.#stages.set(label, {
      label,
      unit,
      items,
      itemsDone: 0,
      succeeded: 0,
      failed: 0,
      bytesTotal,
      started,
      tasks: new Map(),
      meter,
      done: false,
      lastPlain: '',
      lastPlainAt: 0,
    });
    this.#render(label, true);
  }

  /** A task of the stage (named by its first item) has read `bytes` and `records` so far. */
  task(label: string, first: number, bytes: number, records: number): void {
    const stage = this.#stages.get(label);
    if (!stage || stage.done) return;
    stage.tasks.set(first, { bytes, records });
    this.#measure(stage);
    this.#render(label, false);
  }

  /** The stage's Map Run counts: items done, tasks succeeded and failed. */
  counts(
    label: string,
    counts: { itemsDone: number; succeeded: number; failed: number; items?: number },
  ): void {
    const stage = this.#stages.get(label);
    if (!stage) return;
    stage.itemsDone = counts.itemsDone;
    stage.succeeded = counts.succeeded;
    stage.failed = counts.failed;
    if (counts.items !== undefined) stage.items = counts.items;
    this.#measure(stage);
    this.#render(label, false);
  }

  finish(label: string): void {
    const stage = this.#stages.get(label);
    if (!stage || stage.done) return;
    stage.done = true;
    this.#render(label, true);
    if (this.#tty && this.#lineOpen) {
      this.#out.write('\n');
      this.#lineOpen = false;
    }
  }

  /** Ends any open live line (before printing something else). */
  close(): void {
    if (this.#tty && this.#lineOpen) this.#out.write('\n');
    this.#lineOpen = false;
  }

  /** The stage's figures now. */
  snapshot(label: string): StageSnapshot | undefined {
    const stage = this.#stages.get(label);
    if (!stage) return undefined;
    let bytesRead = 0;
    let records = 0;
    for (const t of stage.tasks.values()) {
      bytesRead += t.bytes;
      records += t.records;
    }
    const running = Math.max(0, stage.tasks.size - stage.succeeded - stage.failed);
    return {
      label: stage.label,
      unit: stage.unit,
      items: stage.items,
      itemsDone: stage.done
        ? Math.max(stage.itemsDone, stage.items - this.#failedItems(stage))
        : stage.itemsDone,
      running: stage.done ? 0 : running,
      succeeded: stage.succeeded,
      failed: stage.failed,
      bytesTotal: stage.bytesTotal,
      bytesRead: stage.done && stage.failed === 0 ? Math.max(bytesRead, stage.bytesTotal) : bytesRead,
      records,
      elapsedMs: this.#now() - stage.started,
      rate: stage.meter.rate(),
      done: stage.done,
    };
  }

  /** Items of failed tasks are not done; without item counts for them, none are assumed. */
  #failedItems(stage: Stage): number {
    return stage.failed > 0 ? stage.items - stage.itemsDone : 0;
  }

  #measure(stage: Stage): void {
    const s = this.snapshot(stage.label);
    if (s) stage.meter.add(this.#now(), s.bytesTotal > 0 ? s.bytesRead : s.itemsDone);
  }

  #render(label: string, force: boolean): void {
    const stage = this.#stages.get(label);
    const s = this.snapshot(label);
    if (!stage || !s) return;
    const now = this.#now();
    if (this.#tty) {
      if (!force && now - this.#lastLive < LIVE_EVERY_MS) return;
      this.#lastLive = now;
      const width = this.#out.columns ?? 100;
      this.#out.write(`\r${`${bar(s)} ${renderStage(s)}`.slice(0, width - 1)}\x1b[K`);
      this.#lineOpen = true;
      return;
    }
    if (!force && now - stage.lastPlainAt < PLAIN_EVERY_MS) return;
    const line = renderStage(s);
    if (line === stage.lastPlain) return;
    stage.lastPlain = line;
    stage.lastPlainAt = now;
    this.#out.write(`${line}\n`);
  }
}

function bar(s: StageSnapshot): string {
  const size = 20;
  const ratio = s.bytesTotal > 0 ? s.bytesRead / s.bytesTotal : s.items > 0 ? s.itemsDone / s.items : 1;
  const filled = Math.max(0, Math.min(size, Math.round(ratio * size)));
  return `[${'#'.repeat(filled)}${'.'.repeat(size - filled)}]`;
}
