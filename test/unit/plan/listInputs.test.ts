import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmptyInputError, InputNotFoundError } from '../../../framework/plan/errors.js';
import { listInputs } from '../../../framework/plan/listInputs.js';

describe('listInputs', () => {
  let dir: string;
  const uri = (rel: string) => pathToFileURL(path.join(dir, rel)).href;
  const files: Record<string, string> = {
    'data/a.txt': 'aaa',
    'data/sub/b.txt': 'bb',
    'data/sub/deeper/c.log': 'c',
    'data/_SUCCESS': '',
    'data/.hidden': 'x',
    'data/_temporary/part': 'x',
    'data/.git/config': 'x',
    'logs/2024/x.gz': '12345',
    'logs/2025/y.gz': '1',
    'logs/2025/z.txt': '1',
    'logs/_old/w.gz': '1',
    'empty/.keep': '',
    'spaced dir/f.txt': 'f',
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stepmr-plan-'));
    for (const [rel, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), body);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists a directory recursively, skipping names that start with . or _', async () => {
    expect(await listInputs([path.join(dir, 'data')])).toEqual([
      { uri: uri('data/a.txt'), size: 3 },
      { uri: uri('data/sub/b.txt'), size: 2 },
      { uri: uri('data/sub/deeper/c.log'), size: 1 },
    ]);
  });

  it('takes a file named directly, even a hidden one, and file:// URIs', async () => {
    expect(await listInputs([path.join(dir, 'data/_SUCCESS'), uri('spaced dir/f.txt')])).toEqual([
      { uri: uri('data/_SUCCESS'), size: 0 },
      { uri: uri('spaced dir/f.txt'), size: 1 },
    ]);
  });

  it('expands globs with ** and hides . and _ names below the pattern base', async () => {
    expect(await listInputs([`${dir}/logs/**/*.gz`])).toEqual([
      { uri: uri('logs/2024/x.gz'), size: 5 },
      { uri: uri('logs/2025/y.gz'), size: 1 },
    ]);
    expect((await listInputs([`${dir}/data/*.txt`])).map((f) => f.uri)).toEqual([uri('data/a.txt')]);
  });

  it('expands relative globs against the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await listInputs(['logs/202?/*'])).map((f) => f.uri)).toEqual([
        uri('logs/2024/x.gz'),
        uri('logs/2025/y.gz'),
        uri('logs/2025/z.txt'),
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('sorts by URI and drops duplicates across inputs', async () => {
    const listed = await listInputs([
      `${dir}/logs/**/*`,
      path.join(dir, 'data/a.txt'),
      path.join(dir, 'logs'),
    ]);
    const uris = listed.map((f) => f.uri);
    expect(uris).toEqual([...new Set(uris)].sort());
    expect(uris).toEqual([
      uri('data/a.txt'),
      uri('logs/2024/x.gz'),
      uri('logs/2025/y.gz'),
      uri('logs/2025/z.txt'),
    ]);
  });

  it('rejects a path that does not exist with InputNotFoundError naming it', async () => {
    const missing = path.join(dir, 'nope.txt');
    await expect(listInputs([missing])).rejects.toBeInstanceOf(InputNotFoundError);
    await expect(listInputs([missing])).rejects.toThrow(missing);
  });

  it('rejects a directory or glob without files with EmptyInputError naming it', async () => {
    const emptyDir = path.join(dir, 'empty');
    await expect(listInputs([emptyDir])).rejects.toBeInstanceOf(EmptyInputError);
    await expect(listInputs([emptyDir])).rejects.toThrow(emptyDir);
    const pattern = `${dir}/logs/**/*.csv`;
    await expect(listInputs([pattern])).rejects.toBeInstanceOf(EmptyInputError);
    await expect(listInputs([pattern])).rejects.toThrow(pattern);
  });
});
