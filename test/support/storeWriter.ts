/**
 * A writer process for the FileStore's cross-process tests, run with `node bin/tsnode.js`.
 * It says `{ ready: true }` over IPC once loaded, waits for `'go'`, does its work, sends the
 * outcome and exits, so that every writer starts its race at the same moment.
 *
 *   absent <root> <writer> <rounds>  putIfAbsent of `race/<round>` with this writer's bytes
 *   count  <root> <writer> <n>       n increments of `counter` by read, compare-and-swap, retry
 *   hold   <root> <key>              takes the key's compare-and-swap lock and never lets go
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { PreconditionFailedError } from '../../framework/store/errors.js';
import { FileStore } from '../../framework/store/FileStore.js';
import { withFileLock } from '../../framework/store/fileLock.js';
import { lockPaths } from '../../framework/store/fileWrites.js';

/**
 * The bytes writer `writer` puts in round `round`: a header naming both, then filler, so that
 * a reader can tell a whole object from a partial one.
 *
 * @example
 * ```ts
 * const body = writerBytes(3, 0); // 'writer 3 round 0 …'
 * ```
 */
export function writerBytes(writer: number, round: number): Buffer {
  const head = `writer ${writer} round ${round} `;
  return Buffer.from(head.padEnd(64 * 1024, String.fromCharCode(97 + (writer % 26))));
}

async function absent(store: FileStore, writer: number, rounds: number): Promise<unknown> {
  const won: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    try {
      await store.putIfAbsent(`race/${round}`, writerBytes(writer, round));
      won.push(round);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  return { won };
}

async function count(store: FileStore, n: number): Promise<unknown> {
  let conflicts = 0;
  for (let done = 0; done < n; ) {
    const { body, etag } = await store.getVersioned('counter');
    try {
      await store.compareAndSwap('counter', etag, String(Number(body.toString()) + 1));
      done += 1;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      conflicts += 1;
      await delay(Math.random() * 5);
    }
  }
  return { increments: n, conflicts };
}

async function main(): Promise<void> {
  const [mode, root = '', arg = ''] = process.argv.slice(2);
  const store = new FileStore(root);
  const send = (message: unknown) => new Promise((resolve) => process.send?.(message, resolve));
  const go = new Promise((resolve) => process.once('message', resolve));
  await send({ ready: true });
  await go;
  if (mode === 'hold') {
    await withFileLock(lockPaths(`${store.root}/${arg}`), async () => {
      await send({ held: true });
      await new Promise(() => setInterval(() => {}, 60_000)); // until killed
    });
  }
  const writer = Number(arg);
  const times = Number(process.argv[5]);
  const outcome = mode === 'absent' ? await absent(store, writer, times) : await count(store, times);
  await send(outcome);
  process.disconnect();
}

// Run as a writer, not when a test imports writerBytes.
if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? '')).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
