import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainWordCount, tempDir } from './helpers.js';

/**
 * `stepmr status`, `list` and `stop` on jobs run on this machine, from other processes than the
 * `stepmr run` that runs them, through the registry in $STEPMR_HOME.
 */
const tmp = tempDir('stepmr-local-jobs-');
afterAll(() => tmp.cleanup());
const env = { ...process.env, STEPMR_HOME: join(tmp.dir, 'home') };
const LOCAL_EXECUTION = 'arn:aws:states:local:000000000000:execution:stepmr-local:';

function stepmr(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/stepmr.js', ...args], {
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a job run on this machine, seen from another shell', () => {
  it('is reported while it runs, stopped as Ctrl-C stops it, then reported ABORTED', async () => {
    const input = join(tmp.dir, 'lines.txt');
    writeFileSync(input, Array.from({ length: 400 }, (_, i) => `line ${i % 40}`).join('\n'));
    const output = join(tmp.dir, 'stopped');
    const args = ['run', 'test/fixtures/jobs/slow.ts', '-i', input, '-o', output, '-s', '400'];
    const run = spawn(process.execPath, ['bin/stepmr.js', ...args, '--splits-per-task', '1'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => run.on('exit', resolve));
    const jobId = await new Promise<string>((resolve) =>
      run.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const id = /^job (\S+): \d+ splits/m.exec(stderr)?.[1];
        if (id && /map +\d+\/\d+ splits/.test(stderr)) resolve(id);
      }),
    );

    // The run reports its plan before its Map Run starts: look again until the Map stage shows.
    // A running stage's line gives the time left; an ended one the time it took.
    const mapLine = /^ {2}map +\d+\/\d+ splits \| ETA \S+ \|/m;
    let status = stepmr('status', jobId);
    for (let i = 0; i < 40 && status.code === 0 && !mapLine.test(status.stdout); i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = stepmr('status', jobId);
    }
    expect(status.code, status.stderr).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${jobId} {2}RUNNING {2}\\(`));
    expect(lines).toContain(`  execution  ${LOCAL_EXECUTION}${jobId}`);
    expect(lines.some((l) => mapLine.test(l))).toBe(true);

    const listed = stepmr('list', '--local', '--json');
    const jobs = JSON.parse(listed.stdout) as { name: string; status: string }[];
    expect(jobs.find((j) => j.name === jobId)?.status).toBe('RUNNING');

    const stop = stepmr('stop', jobId);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`^stopped ${LOCAL_EXECUTION}${jobId} at \\d{4}-`));
    expect(stop.stderr).toContain('cancelled the job (ABORTED)');
    expect(await exited).toBe(130);
    expect(stderr).toContain('JobCancelledError');
    expect(existsSync(output)).toBe(false);

    const after = stepmr('status', jobId, '--json');
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'ABORTED', error: 'Stepmr.Cancelled' });
    const again = stepmr('stop', `${LOCAL_EXECUTION}${jobId}`);
    expect(again.stdout).toBe(`${LOCAL_EXECUTION}${jobId} had already ended (ABORTED); nothing to stop\n`);
  });

  it('reports a finished job as a job on AWS is reported: stages, items and result', () => {
    const input = join(tmp.dir, 'words.txt');
    const words = Array.from({ length: 300 }, (_, i) => `w${i % 37} x${i % 11}`);
    writeFileSync(input, `${words.join('\n')}\n`);
    const output = join(tmp.dir, 'wc');
    const splitSize = 500;
    const run = stepmr(
      'run',
      'examples/wordcount',
      '-i',
      input,
      '-o',
      output,
      '-s',
      `${splitSize}`,
      '-r',
      '3',
    );
    expect(run.code, run.stderr).toBe(0);
    const [, jobId = '', planned = ''] = /^job (\S+): (\d+) splits/m.exec(run.stderr) ?? [];

    // The Map stage has one item per split the run planned (the small tail joins the last split).
    const splits = Number(planned);
    expect(splits).toBeGreaterThanOrEqual(Math.floor(statSync(input).size / splitSize));
    const status = stepmr('status', jobId);
    expect(status.code, status.stderr).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${jobId} {2}SUCCEEDED {2}\\(`));
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^ {2}map {5}${splits}/${splits} splits \\| in \\S+ \\| tasks: \\d+ done$`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}reduce {2}3\/3 partitions \| in \S+ \| tasks: 3 done$/),
    );
    const distinct = plainWordCount([input]).size;
    expect(lines.find((l) => l.startsWith('  output '))).toMatch(
      new RegExp(`^ {2}output {5}file://\\S+/wc/? {2}${distinct} records in 3 parts, `),
    );

    const table = stepmr('list', '--local').stdout.split('\n');
    expect(table[0]?.split(/\s+/)).toEqual(['NAME', 'STATUS', 'STARTED', 'DURATION']);
    expect(table.find((l) => l.startsWith(jobId))?.split(/\s+/)[1]).toBe('SUCCEEDED');
    expect(stepmr('list', '--local', '--status', 'ABORTED', '--json').stdout).toContain('"ABORTED"');
  });
});
