/** Releases a lock taken with {@link KeyedLock}; calling it again does nothing. */
export type Release = () => void;

interface KeyState {
  readers: number;
  writer: boolean;
  /** Waiters in arrival order; nobody overtakes a waiting writer. */
  readonly queue: { readonly write: boolean; readonly grant: () => void }[];
}

/**
 * Readers-writer locks per key, in one process: any number of readers of a key at once, or
 * one writer alone; first come, first served, so a stream of readers cannot starve a writer.
 *
 * @example
 * ```ts
 * const locks = new KeyedLock();
 * const release = await locks.write('bucket/key');
 * try { await replaceObject(); } finally { release(); }
 * ```
 */
export class KeyedLock {
  readonly #keys = new Map<string, KeyState>();

  /** Resolves when the key may be read: no writer holds it or waits before this reader. */
  read(key: string): Promise<Release> {
    return this.#take(key, false);
  }

  /** Resolves when this writer alone holds the key. */
  write(key: string): Promise<Release> {
    return this.#take(key, true);
  }

  #take(key: string, write: boolean): Promise<Release> {
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { readers: 0, writer: false, queue: [] };
      this.#keys.set(key, state);
    }
    const held = state;
    return new Promise((resolve) => {
      held.queue.push({ write, grant: () => resolve(this.#releaser(key, held, write)) });
      this.#drain(key, held);
    });
  }

  #releaser(key: string, state: KeyState, write: boolean): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (write) state.writer = false;
      else state.readers -= 1;
      this.#drain(key, state);
    };
  }

  /** Grants the waiters at the head of the queue that may go now. */
  #drain(key: string, state: KeyState): void {
    for (let next = state.queue[0]; next !== undefined; next = state.queue[0]) {
      if (state.writer || (next.write && state.readers > 0)) return;
      state.queue.shift();
      if (next.write) state.writer = true;
      else state.readers += 1;
      next.grant();
    }
    if (!state.writer && state.readers === 0) this.#keys.delete(key);
  }
}
