import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { plainWordCount, readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-cli-');
// The runs' records (see stepmr status) go here, not to the user's ~/.stepmr.
process.env.STEPMR_HOME = tmp.dir;
afterAll(() => tmp.cleanup());

function stepmr(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/stepmr.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `stepmr run examples/wordcount` on its sample data into `output`, with extra options. */
function wordcount(output: string, ...extra: string[]) {
  return stepmr('run', 'examples/wordcount', '-i', 'examples/wordcount/data', '-o', output, ...extra);
}

describe('stepmr run', () => {
  it('runs wordcount, shows progress as plain lines off a terminal, and ends with a summary', () => {
    const output = join(tmp.dir, 'wc');
    const r = wordcount(output, '-s', '100', '-r', '2');
    expect(r.stderr).toContain('succeeded');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/map +\d+\/\d+ splits/);
    expect(r.stderr).toContain(`result   ${output}`);
    const out = readOutput(output);
    const files = ['mapreduce.txt', 'unicode.txt', 'compressed.txt.gz'].map((f) =>
      join('examples/wordcount/data', f),
    );
    const expected = plainWordCount(files);
    expect(new Map(out.records.map((x) => [x.key as string, x.value as number]))).toEqual(expected);
  });

  it('refuses an existing output unless --overwrite, and one that is not a stepmr result even with it', () => {
    const output = join(tmp.dir, 'exists');
    mkdirSync(output);
    writeFileSync(join(output, 'keep.txt'), 'precious');
    const refused = wordcount(output);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--overwrite');
    expect(existsSync(join(output, 'keep.txt'))).toBe(true);
    const badInput = stepmr('run', 'examples/wordcount', '-i', 'no/such/dir', '-o', output, '--overwrite');
    expect(badInput.code).toBe(1);
    expect(existsSync(join(output, 'keep.txt'))).toBe(true);
    // --overwrite replaces only a stepmr result: keep.txt is no part of one.
    const notReplaced = wordcount(output, '--overwrite');
    expect(notReplaced.code).toBe(1);
    expect(notReplaced.stderr).toContain('choose another --output, or empty that one yourself');
    expect(readdirSync(output)).toEqual(['keep.txt']);
    expect(readFileSync(join(output, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('keeps an earlier result when an --overwrite run fails, and replaces it only at the commit', () => {
    const output = join(tmp.dir, 'replace');
    const first = wordcount(output, '-r', '3');
    expect(first.code).toBe(0);
    const before = readOutput(output);
    const boom = join(tmp.dir, 'replace-boom.txt');
    writeFileSync(boom, 'fine\nboom\n');
    const failed = stepmr('run', 'test/fixtures/jobs/throws.ts', '-i', boom, '-o', output, '--overwrite');
    expect(failed.code).toBe(1);
    expect(readOutput(output)).toEqual(before);
    const second = stepmr(
      'run',
      'examples/wordcount',
      '-i',
      'examples/wordcount/data/mapreduce.txt',
      '-o',
      output,
      '-r',
      '2',
      '--overwrite',
    );
    expect(second.code).toBe(0);
    const after = readOutput(output);
    expect(after.files).toEqual(['_SUCCESS', 'part-00000.jsonl', 'part-00001.jsonl']);
    expect(new Map(after.records.map((x) => [x.key as string, x.value as number]))).toEqual(
      plainWordCount(['examples/wordcount/data/mapreduce.txt']),
    );
  });

  it.each([
    ['no/such/input', 'no/such/input'],
    ['empty-dir', 'empty-dir'],
  ])('fails clearly on a bad input: %s', (input, mention) => {
    mkdirSync(join(tmp.dir, 'empty-dir', 'sub'), { recursive: true });
    const output = join(tmp.dir, `bad-${mention.length}`);
    const path = input === 'empty-dir' ? join(tmp.dir, input) : input;
    const r = stepmr('run', 'examples/wordcount', '-i', path, '-o', output);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(mention);
    expect(existsSync(output)).toBe(false);
  });

  it('names the file and line of a malformed JSON Lines record, and publishes nothing', () => {
    const input = join(tmp.dir, 'sales.jsonl');
    writeFileSync(input, '{"region":"eu","amount":1}\n{"region":"us","amount":2}\n{"region": oops}\n');
    const output = join(tmp.dir, 'sales-out');
    const r = stepmr('run', 'test/fixtures/jobs/sales.ts', '-i', input, '-o', output);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sales.jsonl');
    expect(r.stderr).toMatch(/line 3/);
    expect(existsSync(output)).toBe(false);
  });

  it('names the record on which user code threw', () => {
    const input = join(tmp.dir, 'boom.txt');
    writeFileSync(input, 'fine\nfine\nboom\n');
    const output = join(tmp.dir, 'boom-out');
    const r = stepmr('run', 'test/fixtures/jobs/throws.ts', '-i', input, '-o', output);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot handle boom');
    expect(r.stderr).toMatch(/boom\.txt line 3/);
    expect(existsSync(output)).toBe(false);
  });

  it('rejects a module without a default job, and invalid options', () => {
    const noJob = stepmr(
      'run',
      'test/fixtures/jobs/no-default.ts',
      '-i',
      'examples/wordcount/data',
      '-o',
      join(tmp.dir, 'x'),
    );
    expect(noJob.code).toBe(1);
    expect(noJob.stderr).toContain('no default job');
    const zero = wordcount(join(tmp.dir, 'y'), '-r', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--reducers must be a whole number');
    const tolerate = wordcount(join(tmp.dir, 't'), '--tolerate', 'half');
    expect(tolerate.code).toBe(2);
    expect(tolerate.stderr).toContain('--tolerate takes a percentage');
    const size = wordcount(join(tmp.dir, 'z'), '-s', 'lots');
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('--split-size');
  });

  it('documents every option in --help', () => {
    const r = stepmr('run', '--help');
    for (const flag of [
      '--input',
      '--output',
      '--reducers',
      '--split-size',
      '--splits-per-task',
      '--memory-budget',
      '--max-record-size',
      '--format',
      '--threads',
      '--bad-records',
      '--max-bad-records',
      '--tolerate',
      '--overwrite',
      '--no-progress',
      '--json',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('stepmr --help', () => {
  it('lists every command as the commands describe themselves, without loading them', () => {
    // `stepmr --help` reads the build's catalogue; `stepmr help` loads every command module.
    expect(existsSync('dist/cli/commands.json')).toBe(true);
    const fast = stepmr('--help');
    const full = stepmr('help');
    expect(fast.code).toBe(0);
    expect(full.code).toBe(0);
    expect(fast.stdout).toBe(full.stdout);
    for (const command of ['run', 'definition', 'submit', 'redrive', 'status', 'offline', 'cp', 'init']) {
      expect(fast.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });
});

describe('stepmr run, worker settings', () => {
  it('stops a task past --task-timeout and retries it: the job ends with the exact count', () => {
    const state = join(tmp.dir, 'attempts');
    mkdirSync(state);
    const input = join(tmp.dir, 'spin.txt');
    writeFileSync(input, 'a\nb\nspin-once\na\n');
    const output = join(tmp.dir, 'spin-out');
    const r = spawnSync(
      process.execPath,
      [
        'bin/stepmr.js',
        'run',
        'test/fixtures/jobs/faults.ts',
        '-i',
        input,
        '-o',
        output,
        '--task-timeout',
        '2',
        '--task-memory',
        '256',
      ],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, STEPMR_FAULTS_STATE: state } },
    );
    expect(r.stderr).toContain('succeeded');
    expect(r.status).toBe(0);
    expect(readFileSync(join(state, 'spin-once'), 'utf8')).toBe('..');
    const counts = new Map(readOutput(output).records.map((x) => [x.key as string, x.value as number]));
    expect(counts).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
        ['spin-once', 1],
      ]),
    );
  });
});

describe('stepmr redrive', () => {
  it('completes a run that tolerated a failed task, named by its output directory', () => {
    const data = join(tmp.dir, 'fragile');
    mkdirSync(data);
    const files = ['a', 'b', 'c'].map((name) => join(data, `${name}.txt`));
    writeFileSync(files[0] as string, 'one two\nthree\n');
    writeFileSync(files[1] as string, 'two a poison pill\nthree\n');
    writeFileSync(files[2] as string, 'three three\n');
    const marker = join(tmp.dir, 'fragile-marker');
    writeFileSync(marker, '');
    const output = join(tmp.dir, 'fragile-out');
    const env = { ...process.env, STEPMR_FRAGILE_MARKER: marker };
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, ['bin/stepmr.js', ...args], {
        encoding: 'utf8',
        timeout: 120_000,
        env,
      });
      return { code: r.status, stderr: r.stderr };
    };
    const partial = run(
      'run',
      'test/fixtures/jobs/fragile.ts',
      '-i',
      data,
      '-o',
      output,
      '--tolerate',
      '1',
      '--splits-per-task',
      '1',
    );
    expect(partial.code).toBe(0);
    expect(partial.stderr).toContain(
      `failed   1 map task tolerated (see _SUCCESS); run them again with: stepmr redrive ${output}`,
    );

    rmSync(marker);
    const redrive = run('redrive', output, '--no-progress');
    expect(redrive.stderr).toMatch(/job fragile-\S+ succeeded/);
    expect(redrive.code).toBe(0);
    expect(new Map(readOutput(output).records.map((x) => [x.key as string, x.value as number]))).toEqual(
      plainWordCount(files),
    );

    const nowhere = run('redrive', 'no-such-output');
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(
      /no-such-output\/ holds no _SUCCESS: redrive completes a job that succeeded with tolerated failures/,
    );
  });
});

describe('stepmr definition', () => {
  it('prints the valid ASL of the one state machine, with the ARNs given', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:stepmr-prod-map';
    const r = stepmr('definition', '--map', arn, '--no-express');
    expect(r.code).toBe(0);
    const definition = JSON.parse(r.stdout);
    expect(aslValidator(definition).isValid).toBe(true);
    expect(definition.States.Map.ItemProcessor.ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    expect(definition.States.Map.ItemProcessor.States.MapTask.Parameters.FunctionName).toBe(arn);
  });
});
