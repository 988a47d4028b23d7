import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-first-');
process.env.STEPMR_HOME = tmp.dir;
afterAll(() => tmp.cleanup());

function stepmr(args: readonly string[], as: readonly string[] = []) {
  const [command = process.execPath, ...prefix] = as.length > 0 ? [...as, process.execPath] : [];
  const r = spawnSync(command, [...prefix, 'bin/stepmr.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DATA = 'examples/wordcount/data';

describe('what a new user meets first', () => {
  it('prints the version of package.json with --version and -V', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = stepmr([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('refuses a size of 0 for --split-size and the other sizes, instead of taking the default', () => {
    for (const flag of ['--split-size', '--memory-budget', '--max-record-size']) {
      const output = join(tmp.dir, `zero${flag}`);
      const r = stepmr(['run', 'examples/wordcount', '-i', DATA, '-o', output, flag, '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag} must be at least 1 byte, got "0"`);
      expect(existsSync(output)).toBe(false);
    }
  });

  it('prints the one definition when given a job, and says why', () => {
    const plain = stepmr(['definition']);
    const named = stepmr(['definition', 'examples/wordcount']);
    expect(named.code).toBe(0);
    expect(named.stdout).toBe(plain.stdout);
    expect(JSON.parse(named.stdout).StartAt).toBeTypeOf('string');
    expect(named.stderr).toContain('one state machine runs every job');
  });

  it('names --max-record-size when a record is longer than the limit', () => {
    const output = join(tmp.dir, 'long');
    const r = stepmr(['run', 'examples/wordcount', '-i', DATA, '-o', output, '--max-record-size', '16']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--max-record-size');
    expect(r.stderr).not.toMatch(/limit of 16 bytes \(maxRecordBytes\)/);
  });

  it('shows where in the job module map threw, source-mapped to the TypeScript line', () => {
    const input = join(tmp.dir, 'boom.txt');
    writeFileSync(input, 'fine\nboom\n');
    const job = 'test/fixtures/jobs/throws.ts';
    const line =
      readFileSync(job, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('throw new Error')) + 1;
    const r = stepmr(['run', job, '-i', input, '-o', join(tmp.dir, 'boom-out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`(at ${job}:${line}:`);
  });

  it('says plainly that a read-only output cannot be written, and writes nothing', () => {
    const root = process.getuid?.() === 0;
    // Root writes anywhere: the command then runs as root without its capabilities, so the
    // folder's own permissions apply (and it can still read a project whatever its location).
    const as = root ? ['setpriv', '--bounding-set=-all', '--inh-caps=-all'] : [];
    const readOnly = join(tmp.dir, 'read-only');
    mkdirSync(join(readOnly, 'existing'), { recursive: true });
    chmodSync(join(readOnly, 'existing'), 0o555);
    chmodSync(readOnly, 0o555);
    for (const output of [join(readOnly, 'new'), join(readOnly, 'existing')]) {
      const r = stepmr(['run', 'examples/wordcount', '-i', DATA, '-o', output], as);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`OutputNotWritableError: cannot write the output ${output}`);
      expect(r.stderr).toContain('choose another --output');
      expect(r.stderr).not.toMatch(/EACCES: permission denied, (mkdir|rmdir)/);
    }
    expect(existsSync(join(readOnly, 'new'))).toBe(false);
    chmodSync(readOnly, 0o755);
  });

  it('runs the README’s stepmr run command twice in a row, as written but for the output', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /```sh\n(npx stepmr run examples\/wordcount[^\n]*)\n/.exec(readme)?.[1] ?? '';
    const args = block
      .replace(/^npx stepmr /, '')
      .split(/\s+/)
      .filter(Boolean);
    expect(args).toContain('--output');
    // As the README has it, but writing to a temporary folder rather than the clone's out/.
    const output = join(tmp.dir, 'readme-out');
    args[args.indexOf('--output') + 1] = output;
    for (const attempt of [1, 2]) {
      const r = stepmr(args);
      expect(r.code, `run ${attempt}: ${r.stderr}`).toBe(0);
    }
    expect(readOutput(output).records.length).toBeGreaterThan(0);
  });
});
