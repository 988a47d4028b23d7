import { compareBytes } from './compareBytes.js';
import type { RunCursor } from './RunCursor.js';

interface Item {
  readonly cursor: RunCursor;
  readonly run: number;
}

/**
 * A k-way merge of sorted runs with a binary min-heap ordered by (key bytes, run number): entries
 * come out in ascending key order, and entries of equal keys in run order. Holds one entry per
 * run. After `next()` gives true, `cursor` and `run` describe the current entry.
 *
 * @example
 * ```ts
 * const merger = new RunMerger(runs.map((chunks) => new RunCursor(chunks)));
 * while (await merger.next()) console.log(merger.run, decodeKey(merger.cursor.key));
 * ```
 */
export class RunMerger {
  /** Cursors with a current entry; `heap[0]` is the current entry once started. */
  private readonly heap: Item[] = [];
  private started = false;

  constructor(private readonly cursors: readonly RunCursor[]) {}

  /** The cursor of the current entry (its `key`, `values`, `where`). */
  get cursor(): RunCursor {
    return (this.heap[0] as Item).cursor;
  }

  /** The run (index in the constructor's list) of the current entry. */
  get run(): number {
    return (this.heap[0] as Item).run;
  }

  /** Moves to the next entry in key order; false when every run is exhausted. */
  next(): boolean | Promise<boolean> {
    if (!this.started) return this.start();
    const top = this.heap[0];
    if (top === undefined) return false;
    const more = top.cursor.next();
    if (typeof more === 'boolean') return this.settle(more);
    return more.then((m) => this.settle(m));
  }

  /** Closes every run's stream (when stopping early). */
  async close(): Promise<void> {
    await Promise.all(this.cursors.map((cursor) => cursor.close()));
  }

  private async start(): Promise<boolean> {
    this.started = true;
    for (let run = 0; run < this.cursors.length; run++) {
      const cursor = this.cursors[run] as RunCursor;
      if (await cursor.next()) this.heap.push({ cursor, run });
    }
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    return this.heap.length > 0;
  }

  /** The top cursor has advanced (`more`) or ended: restore the heap. */
  private settle(more: boolean): boolean {
    const heap = this.heap;
    if (!more) {
      const last = heap.pop() as Item;
      if (heap.length === 0) return false;
      heap[0] = last;
    }
    this.siftDown(0);
    return true;
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[from] as Item;
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && less(heap[child + 1] as Item, heap[child] as Item)) child++;
      const c = heap[child] as Item;
      if (!less(c, item)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}

function less(a: Item, b: Item): boolean {
  const pa = a.cursor.prefix;
  const pb = b.cursor.prefix;
  if (pa !== pb) return pa < pb;
  const x = a.cursor;
  const y = b.cursor;
  const order = compareBytes(x.bytes, x.keyStart, x.keyEnd, y.bytes, y.keyStart, y.keyEnd);
  return order < 0 || (order === 0 && a.run < b.run);
}
