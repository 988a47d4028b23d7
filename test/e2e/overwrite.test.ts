import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainWordCount, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const WORDCOUNT = join(ROOT, 'examples/wordcount');
const DATA = join(ROOT, 'examples/wordcount/data');
const tmp = tempDir('stepmr-overwrite-');
// The runs' records (see stepmr status) go here, not to the user's ~/.stepmr.
process.env.STEPMR_HOME = tmp.dir;
afterAll(() => tmp.cleanup());

/** `stepmr <args>` run from `cwd`, as a user types it there. */
function stepmr(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/stepmr.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` (relative name → bytes), to compare before and after. */
function tree(dir: string, under = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const name = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of tree(dir, name)) files.set(k, v);
    else files.set(name, readFileSync(join(dir, name)));
  }
  return files;
}

/** A folder with the given files (relative name → text). */
function folder(name: string, files: Readonly<Record<string, string>>): string {
  const dir = join(tmp.dir, name);
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}

const PROJECT = {
  'notes.txt': 'my notes\n',
  'src/main.ts': 'console.log("hello");\n',
  'package.json': '{ "name": "mine" }\n',
};

describe('stepmr run --overwrite never deletes what stepmr did not write', () => {
  it('refuses -o . (and -o ..) in a project folder, and every file there stays as it was', () => {
    const project = folder('project', PROJECT);
    const before = tree(project);
    for (const [cwd, output] of [
      [project, '.'],
      [join(project, 'src'), '..'],
    ] as const) {
      const r = stepmr(cwd, 'run', WORDCOUNT, '-i', DATA, '-o', output, '--overwrite');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toContain('succeeded');
      expect(r.stderr).toContain(`output ${project} (the current directory, or a folder above it)`);
      expect(r.stderr).toContain('is not a stepmr result (it has no _SUCCESS)');
      expect(r.stderr).toContain('choose another --output, or empty that one yourself');
      expect(tree(project)).toEqual(before);
    }
  });

  it('refuses -i X -o X --overwrite: the input stays byte for byte', () => {
    const input = folder('same', { 'a.txt': 'alpha beta\n', 'b/c.txt': 'gamma\n' });
    const before = tree(input);
    const r = stepmr(tmp.dir, 'run', WORDCOUNT, '-i', 'same', '-o', 'same', '--overwrite');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('succeeded');
    expect(r.stderr).toContain(`output ${input} is input same`);
    expect(r.stderr).toContain('choose an --output outside every input');
    expect(tree(input)).toEqual(before);
  });

  it('refuses -i in -o in/result: no result inside the input for the next run to read', () => {
    const input = folder('in', { 'a.txt': 'alpha beta\n' });
    const before = tree(input);
    const r = stepmr(tmp.dir, 'run', WORDCOUNT, '-i', 'in', '-o', 'in/result');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`output ${join(input, 'result')} lies inside input in`);
    expect(existsSync(join(input, 'result'))).toBe(false);
    expect(tree(input)).toEqual(before);
  });

  it('replaces an earlier stepmr result: exactly its parts go, files put beside them stay', () => {
    const output = join(tmp.dir, 'result');
    const first = stepmr(tmp.dir, 'run', WORDCOUNT, '-i', DATA, '-o', output, '-r', '3');
    expect(first.code, first.stderr).toBe(0);
    const earlier = readdirSync(output).sort();
    expect(earlier).toEqual(['_SUCCESS', 'part-00000.jsonl', 'part-00001.jsonl', 'part-00002.jsonl']);
    writeFileSync(join(output, 'notes.txt'), 'about this result\n');
    mkdirSync(join(output, 'charts'));
    writeFileSync(join(output, 'charts/top.svg'), '<svg/>\n');

    const text = join(DATA, 'mapreduce.txt');
    const second = stepmr(tmp.dir, 'run', WORDCOUNT, '-i', text, '-o', output, '-r', '2', '--overwrite');
    expect(second.code, second.stderr).toBe(0);
    const got = tree(output);
    expect([...got.keys()].sort()).toEqual([
      '_SUCCESS',
      'charts/top.svg',
      'notes.txt',
      'part-00000.jsonl',
      'part-00001.jsonl',
    ]);
    expect(got.get('notes.txt')?.toString()).toBe('about this result\n');
    expect(got.get('charts/top.svg')?.toString()).toBe('<svg/>\n');
    const manifest = JSON.parse(got.get('_SUCCESS')?.toString() ?? '') as { parts: { name: string }[] };
    expect(manifest.parts.map((p) => p.name)).toEqual(['part-00000.jsonl', 'part-00001.jsonl']);
    const counts = new Map<string, number>();
    for (const part of manifest.parts) {
      for (const line of (got.get(part.name)?.toString() ?? '').split('\n').filter(Boolean)) {
        const { key, value } = JSON.parse(line) as { key: string; value: number };
        counts.set(key, value);
      }
    }
    expect(counts).toEqual(plainWordCount([text]));
  });
});
