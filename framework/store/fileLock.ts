import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { StoreLockError } from './errors.js';

/**
 * How a {@link withFileLock} lock waits for, and gives up on, other holders.
 *
 * @example
 * ```ts
 * const options: FileLockOptions = { waitMs: 60_000, staleMs: 20_000 };
 * ```
 */
export interface FileLockOptions {
  /** How long to wait for a lock another writer holds. @default 30000 */
  readonly waitMs?: number;
  /**
   * A lock held longer than this is taken as abandoned, and so is one whose process (on this
   * machine) has exited; a holder past it gives up before writing. @default 10000
   */
  readonly staleMs?: number;
  /**
   * Called before each wait for another holder; a rejection gives up waiting and rejects the
   * lock with it (a compare-and-swap gives up as soon as the object changed). @default none
   */
  readonly whileWaiting?: () => Promise<void>;
  /** Clock, sleep, randomness and process liveness. @default real ones */
  readonly deps?: Partial<FileLockDeps>;
}

/**
 * The side effects of a file lock, injectable so that tests drive time and crashes.
 *
 * @example
 * ```ts
 * const deps: Partial<FileLockDeps> = { isAlive: () => false }; // every other holder has crashed
 * ```
 */
export interface FileLockDeps {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Whether process `pid` of this machine still runs. */
  readonly isAlive: (pid: number) => boolean;
}

/** Where a lock lives: the lock file, and unique side files next to it (hidden from listings). */
export interface LockPaths {
  readonly lockFile: string;
  readonly sideFile: (tag: string) => string;
}

/** What a lock file holds: who took it, when, and a token no other holder has. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly at: number;
}

/** The lock as its holder sees it. */
export interface HeldLock {
  /** Rejects with `StoreLockError` unless the lock is still this holder's and not stale. */
  check(): Promise<void>;
}

const DEFAULT_DEPS: FileLockDeps = {
  now: Date.now,
  sleep: (ms) => delay(ms),
  random: Math.random,
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

/**
 * Runs `run` while holding an exclusive lock across the processes of this machine. The lock is
 * a file made whole beside it, then hard-linked into place: `link` fails with EEXIST if the lock
 * is held, so exactly one process takes it and no reader sees a half-written lock. Waiters poll
 * with jittered backoff up to 64 ms. A lock whose process is gone, or older than `staleMs`, is
 * moved aside (rename) and checked to be the one judged stale; a fresher one moved by mistake is
 * linked back, and its holder, finding the lock no longer its own in `check()`, gives up rather
 * than write. Call `check()` right before the write the lock guards.
 *
 * @example
 * ```ts
 * await withFileLock({ lockFile: '/d/.k.lock', sideFile: (t) => `/d/.k.lock.${t}` }, async (lock) => {
 *   await lock.check();
 *   await rename(temp, target);
 * });
 * ```
 */
export async function withFileLock<T>(
  paths: LockPaths,
  run: (lock: HeldLock) => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const deps = { ...DEFAULT_DEPS, ...options.deps };
  const waitMs = options.waitMs ?? 30_000;
  const staleMs = options.staleMs ?? 10_000;
  const me = await acquire(paths, deps, { waitMs, staleMs, whileWaiting: options.whileWaiting });
  const lock: HeldLock = {
    async check() {
      const current = await readHolder(paths.lockFile);
      if (current?.token !== me.token)
        throw new StoreLockError(
          paths.lockFile,
          'another writer took it as abandoned while this one held it',
        );
      if (deps.now() - me.at > staleMs)
        throw new StoreLockError(paths.lockFile, `this writer held it past lockStaleMs (${staleMs} ms)`);
    },
  };
  try {
    return await run(lock);
  } finally {
    await removeIfHeldBy(paths, me.token);
  }
}

async function acquire(
  paths: LockPaths,
  deps: FileLockDeps,
  options: { waitMs: number; staleMs: number; whileWaiting: (() => Promise<void>) | undefined },
): Promise<Holder> {
  const { waitMs, staleMs } = options;
  const token = randomBytes(8).toString('hex');
  const started = deps.now();
  let ceiling = 1;
  for (;;) {
    const me: Holder = { pid: process.pid, host: hostname(), token, at: deps.now() };
    const temp = paths.sideFile(`${token}.${randomBytes(4).toString('hex')}`);
    await writeFile(temp, JSON.stringify(me), { flag: 'wx' });
    try {
      await link(temp, paths.lockFile);
      return me;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(temp, { force: true });
    }
    const holder = await readHolder(paths.lockFile);
    if (holder === undefined) continue; // released meanwhile
    const age = deps.now() - holder.at;
    const dead = holder.host === hostname() && holder.pid > 0 && !deps.isAlive(holder.pid);
    if (dead || age > staleMs) {
      await removeIfHeldBy(paths, holder.token);
      continue;
    }
    if (deps.now() - started > waitMs) {
      throw new StoreLockError(
        paths.lockFile,
        `process ${holder.pid} on ${holder.host} held it for all of lockWaitMs (${waitMs} ms)`,
      );
    }
    await options.whileWaiting?.();
    await deps.sleep(deps.random() * ceiling);
    ceiling = Math.min(ceiling * 2, 64);
  }
}

/**
 * Removes the lock if `token` holds it: moves it aside (atomic), then looks at what was moved;
 * a lock someone else took meanwhile is linked back, unless yet another was taken since.
 */
async function removeIfHeldBy(paths: LockPaths, token: string): Promise<void> {
  const aside = paths.sideFile(`${randomBytes(6).toString('hex')}.aside`);
  try {
    await rename(paths.lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (moved?.token !== token) await link(aside, paths.lockFile).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Who holds the lock; undefined if nobody. A lock file that is not ours to parse ages by mtime. */
async function readHolder(file: string): Promise<Holder | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.host === 'string' &&
      typeof parsed.token === 'string'
    ) {
      if (typeof parsed.at === 'number') return parsed as Holder;
    }
  } catch {
    // fall through: not a lock this code wrote
  }
  const info = await stat(file).catch(() => undefined);
  return info && { pid: 0, host: '', token: `unreadable:${text}`, at: info.mtimeMs };
}
