import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-cancel-');
// The runs' records (see stepmr status) go here, not to the user's ~/.stepmr.
process.env.STEPMR_HOME = tmp.dir;
afterAll(() => tmp.cleanup());

/** Runs stepmr, sends Ctrl-C (SIGINT) once `ready` (if given) appears in its stderr, and resolves on exit. */
function runAndInterrupt(args: string[], ready?: RegExp): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stepmr.js', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (ready && !sent && ready.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('cancelling stepmr run', () => {
  const input = join(tmp.dir, 'lines.txt');
  writeFileSync(input, Array.from({ length: 400 }, (_, i) => `line ${i % 40}`).join('\n'));

  it('stops the workers on Ctrl-C, exits 130, publishes nothing, and a new run works', async () => {
    const output = join(tmp.dir, 'out');
    const args = [
      'run',
      'test/fixtures/jobs/slow.ts',
      '-i',
      input,
      '-o',
      output,
      '-s',
      '400',
      '--splits-per-task',
      '1',
    ];
    const cancelled = await runAndInterrupt(args, /map +\d+\/\d+ splits/);
    expect(cancelled.stderr).toContain('JobCancelledError');
    expect(cancelled.code).toBe(130);
    expect(existsSync(output)).toBe(false);

    const again = await runAndInterrupt(args);
    expect(again.code).toBe(0);
    const counts = new Map(readOutput(output).records.map((r) => [r.key as string, r.value as number]));
    expect(counts).toEqual(new Map(Array.from({ length: 40 }, (_, i) => [`line ${i}`, 10])));
  });
});
