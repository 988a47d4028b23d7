import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidUriError, StoreNotAvailableError } from '../../../framework/store/errors.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { openUri, parseUri, registerStoreOpener, toUri } from '../../../framework/store/uri.js';

describe('URIs', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('turns local paths into absolute file URIs and leaves URIs alone', () => {
    expect(toUri('/data/in.txt')).toBe('file:///data/in.txt');
    expect(toUri('rel/a b.txt')).toBe(`file://${path.resolve('rel/a b.txt').replaceAll(' ', '%20')}`);
    expect(toUri('s3://bucket/key')).toBe('s3://bucket/key');
    expect(toUri('file:///x/y')).toBe('file:///x/y');
  });

  it('takes file and s3 URIs apart', () => {
    expect(parseUri('file:///data/a%20b.txt')).toEqual({ scheme: 'file', path: '/data/a b.txt' });
    expect(parseUri('s3://logs/2024/01.gz')).toEqual({ scheme: 's3', bucket: 'logs', key: '2024/01.gz' });
    expect(parseUri('s3://logs')).toEqual({ scheme: 's3', bucket: 'logs', key: '' });
  });

  it.each(['http://example.com/x', 's3:///key', 'file://host/x', 'data.txt'])('refuses %j', (uri) => {
    expect(() => parseUri(uri)).toThrow(InvalidUriError);
  });

  it('opens a file URI as a FileStore over its directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'stepmr-uri-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'in.txt'), 'content');
    const { store, key } = openUri(toUri(path.join(dir, 'in.txt')));
    expect(store).toBeInstanceOf(FileStore);
    expect(key).toBe('in.txt');
    expect((await store.get(key)).toString()).toBe('content');
  });

  it('refuses s3:// until a store opener is registered, then uses it', () => {
    expect(() => openUri('s3://bucket/a.txt')).toThrow(StoreNotAvailableError);
    expect(() => openUri('s3://bucket/a.txt')).toThrow(/s3:\/\/bucket\/a.txt.*not available in this runtime/);
    const fake = new FileStore('/tmp');
    registerStoreOpener('s3', (parsed) => ({ store: fake, key: parsed.scheme === 's3' ? parsed.key : '' }));
    expect(openUri('s3://bucket/a.txt')).toEqual({ store: fake, key: 'a.txt' });
  });
});
