import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidRangeError, ObjectNotFoundError } from '../../../framework/store/errors.js';
import { FileStore } from '../../../framework/store/FileStore.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keys(store: FileStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of store.list(prefix)) found.push(info.key);
  return found;
}

describe('FileStore', () => {
  let dir: string;
  let store: FileStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stepmr-store-'));
    store = new FileStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has a file URL ending in / as its url', () => {
    expect(store.url).toBe(`${pathToFileURL(dir).href}/`);
  });

  it('puts Buffers, strings and streams, creating parent directories', async () => {
    await store.put('a/b/c.bin', Buffer.from([1, 2, 3]));
    await store.put('s.txt', 'héllo');
    await store.put('deep/stream.txt', Readable.from([Buffer.from('one '), Buffer.from('two')]));
    expect([...(await store.get('a/b/c.bin'))]).toEqual([1, 2, 3]);
    expect((await store.get('s.txt')).toString()).toBe('héllo');
    expect(await readFile(path.join(dir, 'deep/stream.txt'), 'utf8')).toBe('one two');
    expect(await store.head('s.txt')).toEqual({ key: 's.txt', size: Buffer.byteLength('héllo') });
    expect(await store.head('nope.txt')).toBeUndefined();
  });

  it('replaces an object whole and leaves no temporary files behind', async () => {
    await store.put('x/obj', 'first version');
    await store.put('x/obj', 'second');
    expect((await store.get('x/obj')).toString()).toBe('second');
    expect(await readdir(path.join(dir, 'x'))).toEqual(['obj']);
  });

  it('removes the temporary file when a streamed put fails, and keeps the old object', async () => {
    await store.put('k', 'old');
    const failing = new Readable({
      read() {
        this.destroy(new Error('network dropped'));
      },
    });
    await expect(store.put('k', failing)).rejects.toThrow('network dropped');
    expect((await store.get('k')).toString()).toBe('old');
    expect(await readdir(dir)).toEqual(['k']);
  });

  it('reads exact byte ranges, clipping the end at the object size', async () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, n) => n % 256));
    await store.put('r.bin', bytes);
    expect((await store.getRange('r.bin', { start: 10, end: 20 })).equals(bytes.subarray(10, 20))).toBe(true);
    expect((await store.getRange('r.bin', { start: 290, end: 1000 })).equals(bytes.subarray(290))).toBe(true);
    expect((await store.getRange('r.bin', { start: 400, end: 500 })).length).toBe(0);
    expect((await collect(store.read('r.bin', { start: 5, end: 6 }))).equals(bytes.subarray(5, 6))).toBe(
      true,
    );
    expect((await collect(store.read('r.bin', { start: 100, end: 100 }))).length).toBe(0);
    expect((await collect(store.read('r.bin'))).equals(bytes)).toBe(true);
    await expect(store.getRange('r.bin', { start: 5, end: 2 })).rejects.toBeInstanceOf(InvalidRangeError);
  });

  it('streams a large object in order', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    await store.put('big', big);
    expect(
      (await collect(store.read('big', { start: 1, end: big.length - 1 }))).equals(big.subarray(1, -1)),
    ).toBe(true);
  });

  it('rejects missing objects with ObjectNotFoundError naming the path', async () => {
    const where = path.join(dir, 'missing/file.txt');
    // Each call starts only when awaited: a rejection must never wait for a handler.
    for (const attempt of [
      () => store.get('missing/file.txt'),
      () => store.getRange('missing/file.txt', { start: 0, end: 1 }),
      () => collect(store.read('missing/file.txt')),
      () => store.move('missing/file.txt', 'elsewhere'),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ObjectNotFoundError);
      expect((error as Error).name).toBe('ObjectNotFoundError');
      expect((error as Error).message).toContain(where);
    }
  });

  it('lists recursively, in byte order of keys, by prefix, skipping temporary files', async () => {
    for (const key of ['b/2', 'a/x/1', 'a-c', 'a/y', 'ab', 'é', 'z']) await store.put(key, key);
    await writeFile(path.join(dir, 'a', '.y.123abc.stepmr-tmp'), 'partial');
    expect(await keys(store, '')).toEqual(['a-c', 'a/x/1', 'a/y', 'ab', 'b/2', 'z', 'é']);
    expect(await keys(store, 'a/')).toEqual(['a/x/1', 'a/y']);
    expect(await keys(store, 'a')).toEqual(['a-c', 'a/x/1', 'a/y', 'ab']);
    expect(await keys(store, 'a/x')).toEqual(['a/x/1']);
    expect(await keys(store, 'nothing/')).toEqual([]);
    const sizes: number[] = [];
    for await (const info of store.list('b/')) sizes.push(info.size);
    expect(sizes).toEqual([3]);
  });

  it('deletes objects, ignoring missing ones', async () => {
    await store.put('d/1', '1');
    await store.put('d/2', '2');
    await store.delete(['d/1', 'd/404']);
    expect(await keys(store, 'd/')).toEqual(['d/2']);
  });

  it('moves objects, creating the target directory', async () => {
    await store.put('from/o', 'payload');
    await store.move('from/o', 'to/deep/o');
    expect((await store.get('to/deep/o')).toString()).toBe('payload');
    expect(await store.head('from/o')).toBeUndefined();
  });

  it.each(['../escape', '/abs/path', 'a/../../b', 'a//b', './a', 'a/', '', 'x/.obj.1.stepmr-tmp'])(
    'refuses the key %j with InvalidKeyError',
    async (key) => {
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.get(key)).rejects.toThrow(/Invalid store key/);
    },
  );
});
