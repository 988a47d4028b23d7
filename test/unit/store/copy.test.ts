import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../framework/store/copy.js';
import { registerS3Opener } from '../../../framework/store/S3Store.js';
import { tempDir } from '../../e2e/helpers.js';
import { rng } from '../../support/rng.js';
import { type S3rverFixture, startS3rver } from '../../support/s3rver.js';

const tmp = tempDir('stepmr-copy-');
let s3: S3rverFixture;

beforeAll(async () => {
  s3 = await startS3rver({ bucket: 'copy-test' });
  registerS3Opener(() => s3.client);
});
afterAll(async () => {
  await s3.stop();
  tmp.cleanup();
});

/** A tree of files with random contents: relative name → bytes. */
function tree(dir: string, seed: number): Map<string, Buffer> {
  const random = rng(seed);
  const files = new Map<string, Buffer>();
  for (const name of ['a.txt', 'b.bin', 'deep/c.txt', 'deep/er/d.txt', '_SUCCESS', '.hidden']) {
    const body = Buffer.alloc(Math.floor(random() * 5000));
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256);
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
    files.set(name, body);
  }
  return files;
}

function readTree(dir: string, prefix = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readTree(dir, rel)) files.set(k, v);
    else files.set(rel, readFileSync(join(dir, rel)));
  }
  return files;
}

describe('copy', () => {
  it('copies a directory to an S3 prefix and back, every file byte for byte, hidden names included', async () => {
    const source = join(tmp.dir, 'tree');
    const files = tree(source, 3);
    const up = await copy([source], 's3://copy-test/in/tree/');
    expect(up).toEqual({ objects: files.size, bytes: [...files.values()].reduce((n, b) => n + b.length, 0) });
    const back = join(tmp.dir, 'back');
    await copy(['s3://copy-test/in/tree'], back);
    expect(readTree(back)).toEqual(files);
  });

  it('copies one object to a name, or into a directory that exists or ends in /', async () => {
    const source = join(tmp.dir, 'one.txt');
    writeFileSync(source, 'one object');
    await copy([source], 's3://copy-test/single/renamed.txt');
    const named = join(tmp.dir, 'named.txt');
    await copy(['s3://copy-test/single/renamed.txt'], named);
    expect(readFileSync(named, 'utf8')).toBe('one object');
    await copy(['s3://copy-test/single/renamed.txt'], `${join(tmp.dir, 'into')}/`);
    expect(readFileSync(join(tmp.dir, 'into', 'renamed.txt'), 'utf8')).toBe('one object');
  });

  it('refuses a source that is not there, and two sources with one name, copying nothing', async () => {
    await expect(copy(['s3://copy-test/nothing/here'], join(tmp.dir, 'x'))).rejects.toThrow(
      /nothing to copy at s3:\/\/copy-test\/nothing\/here/,
    );
    await expect(copy([join(tmp.dir, 'missing')], 's3://copy-test/x/')).rejects.toThrow(/does not exist/);
    mkdirSync(join(tmp.dir, 'twins', 'one'), { recursive: true });
    mkdirSync(join(tmp.dir, 'twins', 'two'), { recursive: true });
    writeFileSync(join(tmp.dir, 'twins', 'one', 'same.txt'), '1');
    writeFileSync(join(tmp.dir, 'twins', 'two', 'same.txt'), '2');
    const target = join(tmp.dir, 'twins-out');
    await expect(
      copy([join(tmp.dir, 'twins', 'one'), join(tmp.dir, 'twins', 'two')], target),
    ).rejects.toThrow(/two sources hold an object named same\.txt/);
    expect(() => readdirSync(target)).toThrow();
  });
});

describe('copy, downloading keys that name a path outside the destination', () => {
  /** Objects with the given names under `prefix`; S3 (and s3rver) take any of these keys. */
  async function putRaw(prefix: string, names: readonly string[]): Promise<void> {
    for (const name of names) {
      const Body = name.endsWith('/') ? '' : `body of ${name}`;
      await s3.client.send(new PutObjectCommand({ Bucket: 'copy-test', Key: `${prefix}${name}`, Body }));
    }
  }

  /** A fresh `<tmp>/<case>/a/dest` (existing, empty): the attack aims at `<case>/` and `<case>/a/`. */
  function destination(name: string): { top: string; dest: string } {
    const top = join(tmp.dir, name);
    const dest = join(top, 'a', 'dest');
    mkdirSync(dest, { recursive: true });
    return { top, dest };
  }

  // A file URL reads '%2e%2e' as '..': a key with it, joined to the destination's URL, climbed
  // two levels out of it and wrote there.
  it("writes a key holding '%2e%2e' under its literal name inside the destination, nothing outside", async () => {
    const names = ['fine.txt', '%2e%2e/%2e%2e/escaped.txt', '%2E%2E/upper.txt', '%2e/dot.txt'];
    await putRaw('encoded/', names);
    const { top, dest } = destination('encoded');
    await copy(['s3://copy-test/encoded/'], dest);
    expect(existsSync(join(top, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(top, 'a', 'upper.txt'))).toBe(false);
    expect(readdirSync(top)).toEqual(['a']);
    expect(readdirSync(join(top, 'a'))).toEqual(['dest']);
    expect(readTree(dest)).toEqual(new Map(names.map((n) => [n, Buffer.from(`body of ${n}`)])));
  });

  it.each([
    ['..', 'deep/..'],
    ['..', '..'],
    ['.', 'deep/.'],
  ])(
    "refuses a key with a '%s' segment (%s), naming it and what to do, copying nothing",
    async (segment, name) => {
      const prefix = `dots-${segment.length}-${name.length}/`;
      await putRaw(prefix, ['a-first.txt', name, 'z-last.txt']);
      const { top, dest } = destination(prefix.slice(0, -1));
      const key = `s3://copy-test/${prefix}${name}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await expect(copy([`s3://copy-test/${prefix}`], dest)).rejects.toThrow(
        new RegExp(
          `^object ${key} has a '\\${segment}' segment .*rename or remove that object.*nothing was copied`,
        ),
      );
      expect(readdirSync(top)).toEqual(['a']);
      expect(readdirSync(join(top, 'a'))).toEqual(['dest']);
      expect(readdirSync(dest)).toEqual([]);
    },
  );

  it('skips folder markers and writes names with characters URLs reserve as they are', async () => {
    const names = ['100% sure #1?.txt', 'sub/', 'sub/x&y.txt'];
    await putRaw('reserved/', names);
    const { dest } = destination('reserved');
    const done = await copy(['s3://copy-test/reserved/'], dest);
    expect(done.objects).toBe(2);
    expect(readTree(dest)).toEqual(
      new Map(names.filter((n) => !n.endsWith('/')).map((n) => [n, Buffer.from(`body of ${n}`)])),
    );
  });
});
