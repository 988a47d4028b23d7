import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-stream-cli-');
afterAll(() => tmp.cleanup());
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function stepmr(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/stepmr.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `stepmr stream …` in the background, its stdout collected as it comes. */
function background(...args: string[]) {
  const child = spawn(process.execPath, ['bin/stepmr.js', 'stream', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, out, exited };
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Writes a file whole (a hidden name, then a rename), as a stream's source wants. */
function arrive(dir: string, name: string, records: readonly { k: string; n: number }[]): void {
  writeFileSync(join(dir, `.${name}`), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  renameSync(join(dir, `.${name}`), join(dir, name));
}

/** Sums per key over every JSON Lines file of a directory, the plain way. */
function plainSums(dir: string, value: (record: Record<string, unknown>) => unknown = (r) => r.n) {
  const sums = new Map<string, unknown>();
  for (const name of readdirSync(dir).filter((n) => !n.startsWith('.'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as Record<string, unknown>;
      const key = String(record.k ?? record.page);
      const v = value(record);
      const before = sums.get(key);
      sums.set(
        key,
        typeof v === 'number'
          ? ((before as number | undefined) ?? 0) + v
          : Object.fromEntries(
              Object.entries(v as Record<string, number>).map(([f, n]) => [
                f,
                ((before as Record<string, number> | undefined)?.[f] ?? 0) + n,
              ]),
            ),
      );
    }
  }
  return sums;
}

/** The last snapshot a stream's checkpoint names as committed, as key → value. */
function lastSnapshot(output: string): Map<string, unknown> {
  const commits = readdirSync(join(output, '_checkpoint', 'commits')).sort();
  const last = JSON.parse(readFileSync(join(output, '_checkpoint', 'commits', commits.at(-1) ?? ''), 'utf8'));
  return new Map(readOutput(join(output, last.published)).records.map((r) => [r.key as string, r.value]));
}

describe('stepmr stream', () => {
  it('--once runs the clickstream example over generated waves, and the snapshot equals a plain count', () => {
    const inbox = join(tmp.dir, 'clicks-in');
    const output = join(tmp.dir, 'clicks-out');
    for (const seed of ['1', '2']) {
      const gen = spawnSync(
        process.execPath,
        [
          'bin/tsnode.js',
          'examples/clickstream/generate.ts',
          inbox,
          '--files',
          '4',
          '--clicks',
          '30',
          '--seed',
          seed,
        ],
        { encoding: 'utf8' },
      );
      expect(gen.status).toBe(0);
      const r = stepmr(
        'stream',
        'examples/clickstream',
        '--source',
        inbox,
        '--output',
        output,
        '--once',
        '-t',
        '2',
      );
      expect(r.stderr).toContain('files committed');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^batch \d+: 4 files, \d+ records, .* lag .* → snapshot=\d{10}\/$/m);
    }
    const expected = plainSums(inbox, (click) => ({
      views: 1,
      bytes: Buffer.byteLength(JSON.stringify(click)),
    }));
    expect(lastSnapshot(output)).toEqual(expected);
    // Nothing new: a further run commits nothing.
    const again = stepmr('stream', 'examples/clickstream', '--source', inbox, '--output', output, '--once');
    expect(again.stdout).toBe('');
    expect(again.code).toBe(0);
  });

  it('watches the source: a file arriving later is a later batch; Ctrl-C mid-batch leaves it to be resumed', async () => {
    const inbox = join(tmp.dir, 'slow-in');
    const output = join(tmp.dir, 'slow-out');
    mkdirSync(inbox, { recursive: true });
    arrive(inbox, 'a.jsonl', [
      { k: 'x', n: 1 },
      { k: 'y', n: 2 },
    ]);
    const first = background(
      'test/fixtures/jobs/stream-slow.ts',
      '--source',
      inbox,
      '--output',
      output,
      '-t',
      '1',
    );
    await until('batch 0', () => first.out.stdout.includes('batch 0:'));
    // No schedule fires within the test (every 1 minute): the file event wakes the driver.
    arrive(
      inbox,
      'b.jsonl',
      Array.from({ length: 40 }, (_, i) => ({ k: `k${i % 3}`, n: i })),
    );
    await until('batch 1 claimed', () => existsSync(join(output, '_checkpoint', 'offsets', '0000000001')));
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.out.stdout).not.toContain('batch 1:');
    expect(existsSync(join(output, '_checkpoint', 'commits', '0000000001'))).toBe(false);
    arrive(inbox, 'c.jsonl', [{ k: 'x', n: 100 }]);
    const r = stepmr(
      'stream',
      'test/fixtures/jobs/stream-slow.ts',
      '--source',
      inbox,
      '--output',
      output,
      '--once',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^batch 1: 1 file, .*\(resumed\)$/m);
    expect(r.stdout).toMatch(/^batch 2: 1 file, /m);
    expect(lastSnapshot(output)).toEqual(plainSums(inbox));
  });

  it('survives a driver killed outright mid-batch: the next start takes over its lease and resumes the batch', async () => {
    const inbox = join(tmp.dir, 'kill-in');
    const output = join(tmp.dir, 'kill-out');
    mkdirSync(inbox, { recursive: true });
    arrive(
      inbox,
      'a.jsonl',
      Array.from({ length: 40 }, (_, i) => ({ k: `k${i % 4}`, n: i })),
    );
    arrive(inbox, 'b.jsonl', [{ k: 'k0', n: 7 }]);
    arrive(inbox, 'c.jsonl', [{ k: 'k9', n: 1 }]);
    const killed = background(
      'test/fixtures/jobs/stream-slow.ts',
      '--source',
      inbox,
      '--output',
      output,
      '-t',
      '1',
    );
    await until('batch 0 claimed', () => existsSync(join(output, '_checkpoint', 'offsets', '0000000000')));
    await new Promise((done) => setTimeout(done, 300));
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(output, '_checkpoint', 'driver.json'))).toBe(true);
    expect(existsSync(join(output, '_checkpoint', 'commits', '0000000000'))).toBe(false);
    const r = stepmr(
      'stream',
      'test/fixtures/jobs/stream-slow.ts',
      '--source',
      inbox,
      '--output',
      output,
      '--once',
    );
    expect(r.stderr).toContain('files committed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^batch 0: 2 files, .*\(resumed/m);
    expect(r.stdout).toMatch(/^batch 1: 1 file, /m);
    expect(lastSnapshot(output)).toEqual(plainSums(inbox));
    expect(existsSync(join(output, '_checkpoint', 'driver.json'))).toBe(false);
  });
});
