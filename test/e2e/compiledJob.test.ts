import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainLines, readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-compiled-');
process.env.STEPMR_HOME = tmp.dir;
afterAll(() => tmp.cleanup());

function stepmr(args: readonly string[]) {
  const r = spawnSync(process.execPath, ['bin/stepmr.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a TypeScript job, compiled once for the run and loaded so by every worker', () => {
  it("keeps its own imports, each file's import.meta.url and TypeScript-only syntax", () => {
    const project = join(tmp.dir, 'project');
    mkdirSync(join(project, 'lib'), { recursive: true });
    // An enum is TypeScript that type stripping alone cannot run; the helper names its own file.
    writeFileSync(
      join(project, 'lib', 'label.ts'),
      [
        "import { basename } from 'node:path';",
        "import { fileURLToPath } from 'node:url';",
        'export const label: string = basename(fileURLToPath(import.meta.url));',
        "export enum Kind { Word = 'w' }",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'job.ts'),
      [
        "import { count, defineJob, lines } from 'stepmr';",
        "import { Kind, label } from './lib/label.js';",
        'export default defineJob({',
        '  input: lines(),',
        "  map(line: string, emit) { emit(label + ':' + Kind.Word + ':' + line, 1); },",
        '  combine: count.combine,',
        '  reduce: count.reduce,',
        '});',
        '',
      ].join('\n'),
    );
    const text = 'alpha\nbeta\nalpha\ngamma\nalpha\n';
    const input = join(tmp.dir, 'words.txt');
    writeFileSync(input, text);
    const output = join(tmp.dir, 'out');
    const r = stepmr(['run', join(project, 'job.ts'), '-i', input, '-o', output, '--threads', '2']);
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    const expected = new Map<string, number>();
    for (const line of plainLines(text)) {
      const key = `label.ts:w:${line}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const records = readOutput(output).records;
    expect(new Map(records.map((rec) => [rec.key as string, rec.value as number]))).toEqual(expected);
  });
});
