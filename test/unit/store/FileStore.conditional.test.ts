import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, StoreLockError } from '../../../framework/store/errors.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { writerBytes } from '../../support/storeWriter.js';

const md5 = (bytes: Buffer | string) => `"${createHash('md5').update(bytes).digest('hex')}"`;

let dir: string;
let store: FileStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepmr-cond-'));
  store = new FileStore(dir);
});
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function writer(args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, ['bin/tsnode.js', 'test/support/storeWriter.ts', ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

/** Writer processes (test/support/storeWriter.ts), released together once all have loaded. */
async function race(args: readonly (readonly string[])[]): Promise<unknown[]> {
  const writers = args.map(writer);
  await Promise.all(writers.map((child) => nextMessage(child)));
  const outcomes = writers.map((child) => nextMessage(child));
  for (const child of writers) child.send('go');
  return Promise.all(outcomes);
}

/**
 * The child's next message. A child that sent its outcome and exited may be seen to exit
 * before the message is read from the channel: only once its channel and streams are closed
 * ('close', not 'exit') has it surely sent nothing more.
 */
function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('close', (code) => reject(new Error(`writer ${child.pid} exited with ${code}`)));
  });
}

describe('FileStore conditional writes', () => {
  it('puts if absent once, returning the MD5 etag; a second put changes nothing', async () => {
    const etag = await store.putIfAbsent('a/log/0.json', '{"n":0}');
    expect(etag).toBe(md5('{"n":0}'));
    const error = await store.putIfAbsent('a/log/0.json', 'other').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).retryable).toBe(false);
    expect((error as Error).message).toContain(path.join(dir, 'a/log/0.json'));
    expect(await store.getVersioned('a/log/0.json')).toEqual({ body: Buffer.from('{"n":0}'), etag });
    const streamed = await store.putIfAbsent('b', Readable.from([Buffer.from('x'), Buffer.from('y')]));
    expect(streamed).toBe(md5('xy'));
  });

  it('swaps only from the current etag, and chains with the etag it returns', async () => {
    const first = await store.putIfAbsent('c', 'one');
    const second = await store.compareAndSwap('c', first, 'two');
    expect(second).toBe(md5('two'));
    const stale = await store.compareAndSwap('c', first, 'three').catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((stale as Error).message).toContain(`it is now ${second}`);
    expect(await store.compareAndSwap('c', second, Readable.from(['three']))).toBe(md5('three'));
    expect((await store.get('c')).toString()).toBe('three');
    const missing = await store.compareAndSwap('nope/d', first, 'x').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PreconditionFailedError);
    expect((missing as Error).message).toContain('gone');
  });

  it('leaves neither temporary nor lock files, and lists none', async () => {
    const etag = await store.putIfAbsent('k/v', '1');
    await store.compareAndSwap('k/v', etag, '2');
    await store.putIfAbsent('k/v', '3').catch(() => undefined);
    expect(await readdir(path.join(dir, 'k'))).toEqual(['v']);
  });

  it('has exactly one winner among 50 racing calls in one process', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, writer) => store.putIfAbsent('one', writerBytes(writer, 0))),
    );
    const winners = outcomes.flatMap((outcome, writer) => (outcome.status === 'fulfilled' ? [writer] : []));
    expect(winners).toHaveLength(1);
    expect(await store.get('one')).toEqual(writerBytes(winners[0] ?? -1, 0));
    for (const outcome of outcomes)
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
  });

  it('counts exactly with 20 concurrent read, compare-and-swap, retry loops in one process', async () => {
    await store.putIfAbsent('counter', '0');
    const increment = async () => {
      for (;;) {
        const { body, etag } = await store.getVersioned('counter');
        const swapped = await store
          .compareAndSwap('counter', etag, String(Number(body.toString()) + 1))
          .then(() => true)
          .catch((error: unknown) => {
            if (error instanceof PreconditionFailedError) return false;
            throw error;
          });
        if (swapped) return;
      }
    };
    const loops = 20;
    const each = 3;
    const run = async () => {
      for (let done = 0; done < each; done += 1) await increment();
    };
    await Promise.all(Array.from({ length: loops }, run));
    expect((await store.get('counter')).toString()).toBe(String(loops * each));
  });
});

describe('FileStore conditional writes across processes', () => {
  it('has exactly one winner per key among 20 writer processes, and readers see whole objects only', async () => {
    const rounds = 10;
    const writers = 20;
    let reading = true;
    const seen: Buffer[] = [];
    const reader = (async () => {
      while (reading) {
        for (let round = 0; round < rounds; round += 1) {
          const body = await store.get(`race/${round}`).catch(() => undefined);
          if (body) seen.push(body);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const outcomes = (await race(
      Array.from({ length: writers }, (_, writer) => ['absent', dir, String(writer), String(rounds)]),
    )) as { won: number[] }[];
    reading = false;
    await reader;
    for (let round = 0; round < rounds; round += 1) {
      const winners = outcomes.flatMap((outcome, writer) => (outcome.won.includes(round) ? [writer] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(await store.get(`race/${round}`)).toEqual(writerBytes(winners[0] ?? -1, round));
    }
    const whole = new Set(
      Array.from({ length: writers * rounds }, (_, i) =>
        md5(writerBytes(i % writers, Math.floor(i / writers))),
      ),
    );
    for (const body of seen) expect(whole.has(md5(body))).toBe(true);
  });

  it('counts exactly with 20 writer processes incrementing by compare-and-swap', async () => {
    const writers = 20;
    const each = 5;
    await store.putIfAbsent('counter', '0');
    const outcomes = (await race(
      Array.from({ length: writers }, (_, writer) => ['count', dir, String(writer), String(each)]),
    )) as { increments: number; conflicts: number }[];
    const expected = outcomes.reduce((sum, outcome) => sum + outcome.increments, 0);
    expect(expected).toBe(writers * each);
    expect((await store.get('counter')).toString()).toBe(String(expected));
  });

  it('takes over the lock of a writer killed while holding it', async () => {
    const etag = await store.putIfAbsent('held', 'before');
    const holder = spawn(
      process.execPath,
      ['bin/tsnode.js', 'test/support/storeWriter.ts', 'hold', dir, 'held'],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    await nextMessage(holder);
    const held = nextMessage(holder);
    holder.send('go');
    await held;
    const slow = new FileStore(dir, { lockWaitMs: 300 });
    expect(await slow.compareAndSwap('held', etag, 'x').catch((e: unknown) => e)).toBeInstanceOf(
      StoreLockError,
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    expect(await slow.compareAndSwap('held', etag, 'after')).toBe(md5('after'));
    expect((await store.get('held')).toString()).toBe('after');
  });

  it('breaks a lock older than lockStaleMs even if its process runs', async () => {
    const etag = await store.putIfAbsent('old', 'before');
    const lock = path.join(dir, '.old.lock.stepmr-tmp');
    const holder = { pid: process.pid, host: hostname(), token: 'someone', at: Date.now() - 60_000 };
    await writeFile(lock, JSON.stringify(holder));
    expect(await store.compareAndSwap('old', etag, 'after')).toBe(md5('after'));
    await expect(readFile(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
