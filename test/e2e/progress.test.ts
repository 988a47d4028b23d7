import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import type { TaskProgress } from '../../framework/tasks/deps.js';
import { rng, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-progress-');
process.env.STEPMR_HOME = tmp.dir;
afterAll(() => tmp.cleanup());

function stepmr(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/stepmr.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('progress', () => {
  it('tasks report the bytes they have read while they read, not only when they end', async () => {
    const random = rng(3);
    const lines = Array.from({ length: 600_000 }, () => `w${Math.floor(random() * 5000)} x y z`);
    const input = join(tmp.dir, 'words.txt');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const size = Buffer.byteLength(`${lines.join('\n')}\n`);
    const reports: TaskProgress[] = [];
    await runEmbedded({
      job: 'examples/wordcount',
      inputs: [input],
      output: join(tmp.dir, 'wc'),
      threads: 1,
      reducers: 2,
      onTaskProgress: (r) => reports.push(r),
    });
    const map = reports.filter((r) => r.stage === 'map');
    expect(map[0]).toMatchObject({ task: 0, bytes: 0, records: 0 }); // as the task starts
    const during = map.filter((r) => r.bytes > 0 && r.bytes < size);
    expect(during.length).toBeGreaterThan(0);
    for (let i = 1; i < map.length; i++) expect(map[i]?.bytes).toBeGreaterThanOrEqual(map[i - 1]?.bytes ?? 0);
    expect(
      reports
        .filter((r) => r.stage === 'reduce')
        .map((r) => r.task)
        .sort(),
    ).toEqual(expect.arrayContaining([0, 1]));
  });

  it('without a terminal: plain lines, none twice, "1 split", and a failure in plain words', () => {
    const input = join(tmp.dir, 'boom.txt');
    writeFileSync(input, 'fine\nboom\n');
    const failed = stepmr(
      'run',
      'test/fixtures/jobs/throws.ts',
      '-i',
      input,
      '-o',
      join(tmp.dir, 'boom-out'),
      '-r',
      '1',
    );
    expect(failed.code).toBe(1);
    const lines = failed.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^job throws-\S+: 1 split, 1 reducer$/);
    const progress = lines.filter((l) => l.startsWith('map '));
    expect(progress.length).toBeGreaterThan(0);
    expect(new Set(progress).size).toBe(progress.length);
    expect(progress.at(-1)).toMatch(/^map {5}0\/1 split \| .* \| in [\d.]+m?s \| tasks: 1 failed$/);
    expect(failed.stderr).not.toContain('\r');
    expect(failed.stderr).not.toContain('ExceedToleratedFailureThreshold');
    expect(failed.stderr).toContain('1 of 1 map split failed');
    expect(failed.stderr).toContain('cannot handle boom');

    const ok = stepmr(
      'run',
      'examples/wordcount',
      '-i',
      'examples/wordcount/data',
      '-o',
      join(tmp.dir, 'ok'),
    );
    expect(ok.code).toBe(0);
    const okLines = ok.stderr.split('\n').filter((l) => /^(map|reduce) /.test(l));
    expect(new Set(okLines).size).toBe(okLines.length);
    expect(okLines.find((l) => l.startsWith('map ') && l.includes(' in '))).toMatch(
      /^map {5}3\/3 splits \| 1\.4 KiB of 1\.4 KiB \| .* \| in [\d.]+m?s \| tasks: 3 done \|/,
    );
  });
});
