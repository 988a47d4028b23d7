/**
 * Runs `work(0)` … `work(count - 1)` with at most `concurrency` of them in flight, in index
 * order, without timers: each of `concurrency` workers takes the next index as soon as its
 * previous one is done. `work` must not reject (record failures instead); `stop` ends the
 * launching of new work early (in-flight work finishes).
 *
 * @example
 * ```ts
 * await runPool(items.length, 10, async (i) => { results[i] = await handle(items[i]); });
 * ```
 */
export async function runPool(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stop()) {
      const index = next++;
      await work(index);
    }
  };
  const workers = Math.max(1, Math.min(concurrency, count));
  await Promise.all(Array.from({ length: workers }, worker));
}
