import { bytes, count, duration } from './format.js';

interface Stage {
  readonly label: string;
  readonly unit: string;
  total: number;
  done: number;
  failed: number;
  readonly started: number;
  /** Input bytes behind `total`, when known: bytes done are estimated pro rata. */
  bytesTotal: number;
  /** Records processed by the stage's finished tasks. */
  records: number;
}

/**
 * Shows a job's progress: one live line on a terminal, plain lines (at most one per stage
 * every few seconds) otherwise, so logs stay readable.
 *
 * @example
 * ```ts
 * const p = new Progress(process.stderr);
 * p.start('map', 40, 'splits', 2_000_000);
 * p.update('map', 12, 0);
 * p.finish('map');
 * ```
 */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #stages = new Map<string, Stage>();
  readonly #now: () => number;
  #lastPlain = 0;
  #lineOpen = false;

  constructor(out: NodeJS.WriteStream, options: { tty?: boolean; now?: () => number } = {}) {
    this.#out = out;
    this.#tty = options.tty ?? out.isTTY === true;
    this.#now = options.now ?? Date.now;
  }

  start(label: string, total: number, unit: string, bytesTotal = 0): void {
    this.#stages.set(label, {
      label,
      unit,
      total,
      done: 0,
      failed: 0,
      started: this.#now(),
      bytesTotal,
      records: 0,
    });
    this.#render(label, true);
  }

  update(label: string, done: number, failed: number, total?: number): void {
    const stage = this.#stages.get(label);
    if (!stage) return;
    stage.done = done;
    stage.failed = failed;
    if (total !== undefined) stage.total = total;
    this.#render(label, false);
  }

  /** Adds the records of a finished task of the stage. */
  addRecords(label: string, records: number): void {
    const stage = this.#stages.get(label);
    if (stage) stage.records += records;
  }

  finish(label: string): void {
    const stage = this.#stages.get(label);
    if (!stage) return;
    stage.done = Math.max(stage.done, stage.total - stage.failed);
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

  #line(stage: Stage): string {
    const elapsed = this.#now() - stage.started;
    const ratio = stage.total > 0 ? (stage.done + stage.failed) / stage.total : 1;
    const parts = [`${stage.label.padEnd(7)} ${stage.done}/${stage.total} ${stage.unit}`];
    if (stage.failed) parts.push(`${stage.failed} failed`);
    if (stage.bytesTotal > 0) {
      const done = stage.bytesTotal * ratio;
      parts.push(`${bytes(done)} of ${bytes(stage.bytesTotal)}`);
      if (elapsed > 0) parts.push(`${bytes((done * 1000) / elapsed)}/s`);
    }
    if (elapsed > 0 && stage.records > 0) parts.push(`${count((stage.records * 1000) / elapsed)} records/s`);
    const eta = ratio > 0 && ratio < 1 ? (elapsed / ratio) * (1 - ratio) : 0;
    parts.push(ratio >= 1 ? `in ${duration(elapsed)}` : `ETA ${ratio > 0 ? duration(eta) : '?'}`);
    return parts.join(' | ');
  }

  #render(label: string, force: boolean): void {
    const stage = this.#stages.get(label);
    if (!stage) return;
    if (this.#tty) {
      const width = this.#out.columns ?? 100;
      const bar = this.#bar(stage);
      this.#out.write(`\r${`${bar} ${this.#line(stage)}`.slice(0, width - 1)}\x1b[K`);
      this.#lineOpen = true;
      return;
    }
    const now = this.#now();
    if (!force && now - this.#lastPlain < 2000) return;
    this.#lastPlain = now;
    this.#out.write(`${this.#line(stage)}\n`);
  }

  #bar(stage: Stage): string {
    const size = 20;
    const filled = stage.total > 0 ? Math.round(((stage.done + stage.failed) / stage.total) * size) : size;
    return `[${'#'.repeat(filled)}${'.'.repeat(size - filled)}]`;
  }
}
