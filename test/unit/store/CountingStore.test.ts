import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CountingStore, putRequests } from '../../../framework/store/CountingStore.js';
import { FileStore } from '../../../framework/store/FileStore.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function store(): CountingStore {
  const dir = mkdtempSync(join(tmpdir(), 'stepmr-counting-'));
  dirs.push(dir);
  return new CountingStore(new FileStore(dir));
}

const MiB = 1024 * 1024;

describe('CountingStore', () => {
  it('counts each call as the S3 requests S3Store sends for it, and the bytes', async () => {
    const s = store();
    await s.put('a/one.txt', 'hello world');
    await s.get('a/one.txt');
    await s.getRange('a/one.txt', { start: 0, end: 5 });
    await s.getRange('a/one.txt', { start: 3, end: 3 }); // an empty range only checks the object: HEAD
    for await (const _ of s.read('a/one.txt', { start: 6, end: 11 }));
    await s.head('a/one.txt');
    await s.move('a/one.txt', 'b/one.txt');
    await s.delete(['b/one.txt']);
    expect(s.counts).toEqual({
      list: 0,
      get: 1,
      rangedGet: 2,
      put: 1,
      copy: 1,
      delete: 2,
      head: 2,
      bytesRead: 11 + 5 + 5,
      bytesWritten: 11,
    });
  });

  it('counts a LIST per 1,000 keys and a DELETE per batch of 1,000', async () => {
    const s = store();
    const keys = Array.from({ length: 1001 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    for (const key of keys) await s.inner.put(key, 'x');
    let listed = 0;
    for await (const _ of s.list('k/')) listed++;
    await s.delete(keys);
    expect(listed).toBe(1001);
    expect(s.counts.list).toBe(2);
    expect(s.counts.delete).toBe(2);
  });

  it('counts a stream past 8 MiB as a multipart upload and one within it as one PUT', async () => {
    const s = store();
    const big = Buffer.alloc(20 * MiB, 1);
    await s.put('big.bin', Readable.from([big.subarray(0, 7 * MiB), big.subarray(7 * MiB)]));
    expect(s.counts.put).toBe(1 + Math.ceil(20 / 8) + 1);
    expect(putRequests(20 * MiB, true)).toBe(5);
    await s.put('small.bin', Readable.from([Buffer.alloc(MiB)]));
    expect(s.counts.put).toBe(6);
    expect(s.counts.bytesWritten).toBe(21 * MiB);
    expect((await s.inner.head('big.bin'))?.size).toBe(20 * MiB);
  });
});
