import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { userCacheFolder } from '../../../framework/runtime/userCache.js';

const root = mkdtempSync(join(tmpdir(), 'stepmr-user-cache-'));
const previous = process.env.TMPDIR;
afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  rmSync(root, { recursive: true, force: true });
});

/** A fresh temporary folder for the cache, as TMPDIR. */
function freshTmp(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  process.env.TMPDIR = dir;
  return dir;
}

const uid = process.getuid?.() ?? -1;

describe('the folder of a cache of code that runs', () => {
  it('is made for this user alone', () => {
    const tmp = freshTmp('plain');
    const dir = userCacheFolder('v8');
    expect(dir).toBe(join(tmp, `stepmr-${uid}`, 'v8'));
    for (const d of [join(tmp, `stepmr-${uid}`), dir ?? '']) {
      const info = lstatSync(d);
      expect(info.uid).toBe(uid);
      expect(info.mode & 0o077).toBe(0);
    }
  });

  it('is refused when another could write in it, or put their own folder in its place', () => {
    const open = freshTmp('open');
    mkdirSync(join(open, `stepmr-${uid}`), { mode: 0o777 });
    chmodSync(join(open, `stepmr-${uid}`), 0o777);
    expect(userCacheFolder('v8')).toBeUndefined();

    const linked = freshTmp('linked');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, join(linked, `stepmr-${uid}`));
    expect(userCacheFolder('v8')).toBeUndefined();
  });
});
