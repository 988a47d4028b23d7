import { hostname } from 'node:os';
import { ObjectNotFoundError, PreconditionFailedError } from '../../store/errors.js';
import type { Store } from '../../store/Store.js';
import { StreamBusyError } from '../../stream/errors.js';

/**
 * The checkpoint key of the lease of the driver running a stream on this machine.
 *
 * @example
 * ```ts
 * const holder = JSON.parse((await checkpoint.get(LEASE_KEY)).toString()); // { pid, host, since }
 * ```
 */
export const LEASE_KEY = 'driver.json';

/** Who holds a stream's lease. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Whether process `pid` of this machine runs. */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lease of a stream's checkpoint for this process, so that one embedded driver at a
 * time runs its batches (a batch resumed by two drivers at once would be run twice). A lease
 * left by a driver that was killed (its process is gone) is taken over; one held by a live
 * process, or by another machine, is refused. Resolves with the function that releases it.
 *
 * @example
 * ```ts
 * const release = await takeLease(checkpoint, 'clicks');
 * try { await runBatches(); } finally { await release(); }
 * ```
 */
export async function takeLease(
  checkpoint: Store,
  stream: string,
  deps: { readonly pid?: number; readonly isAlive?: (pid: number) => boolean } = {},
): Promise<() => Promise<void>> {
  const me: Holder = { pid: deps.pid ?? process.pid, host: hostname(), since: new Date().toISOString() };
  const body = `${JSON.stringify(me)}\n`;
  const isAlive = deps.isAlive ?? processRuns;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await checkpoint.putIfAbsent(LEASE_KEY, body);
      return () => checkpoint.delete([LEASE_KEY]);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
    let held: { body: Buffer; etag: string };
    try {
      held = await checkpoint.getVersioned(LEASE_KEY);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) continue;
      throw error;
    }
    let holder: Partial<Holder> = {};
    try {
      holder = JSON.parse(held.body.toString('utf8')) as Partial<Holder>;
    } catch {
      // an unreadable lease is taken over below, as a dead holder's
    }
    const where = `${checkpoint.url}${LEASE_KEY}`;
    if (holder.host !== undefined && holder.host !== me.host) {
      throw new StreamBusyError(
        `stream ${stream} is run by a driver on ${holder.host} (pid ${holder.pid}, since ${holder.since}); stop it first, or delete ${where} if it is gone`,
      );
    }
    if (typeof holder.pid === 'number' && holder.pid !== me.pid && isAlive(holder.pid)) {
      throw new StreamBusyError(
        `stream ${stream} is run by process ${holder.pid} of this machine (since ${holder.since}); stop it first (Ctrl-C), or use another --output`,
      );
    }
    try {
      await checkpoint.compareAndSwap(LEASE_KEY, held.etag, body);
      return () => checkpoint.delete([LEASE_KEY]);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new StreamBusyError(
    `stream ${stream}: its lease at ${checkpoint.url}${LEASE_KEY} keeps changing; another driver is starting`,
  );
}
