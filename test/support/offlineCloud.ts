import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Output, readOutput } from '../e2e/helpers.js';

/** What a stepmr command did. */
export interface CommandRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `stepmr offline` running in a child process, and stepmr commands pointed at it. */
export interface OfflineCloudChild {
  /** The AWS_* (and STEPMR_STACK) variables it printed. */
  readonly env: Readonly<Record<string, string>>;
  readonly bucket: string;
  /** Runs `stepmr <args>` in a new process with only `env` pointing it at the cloud. */
  stepmr(...args: string[]): Promise<CommandRun>;
  /** As `stepmr`, but rejects with the command's stderr unless it exits 0. */
  ok(...args: string[]): Promise<CommandRun>;
  /** Copies a committed output to `dir` with `stepmr cp`, and reads it, checked against its `_SUCCESS`. */
  download(uri: string, dir: string): Promise<Output>;
  /** The process id of `stepmr offline`. */
  readonly pid: number | undefined;
  /** What it has written on stderr so far. */
  stderr(): string;
  /** Ctrl-C: resolves with its exit code and whole stderr once it has stopped. */
  stop(): Promise<{ code: number | null; stderr: string }>;
  /** Resolves with its exit code and whole stderr once it has stopped by itself. */
  exited(): Promise<{ code: number | null; stderr: string }>;
}

const BIN = join(process.cwd(), 'bin', 'stepmr.js');

/**
 * The arguments of `stepmr submit <job>` with input and output in the bucket.
 *
 * @example
 * ```ts
 * await cloud.ok(...submitArgs(cloud.bucket, 'wordcount', 'in/corpus/', 'out/wc', '--wait'));
 * ```
 */
export function submitArgs(
  bucket: string,
  job: string,
  input: string,
  output: string,
  ...options: string[]
): string[] {
  return ['submit', job, '-i', `s3://${bucket}/${input}`, '-o', `s3://${bucket}/${output}`, ...options];
}

/**
 * Runs the stepmr command with `args`, `env` added to this process's environment, and collects
 * what it printed.
 *
 * @example
 * ```ts
 * const run = await runStepmr(['list', '--json'], cloud.env);
 * ```
 */
export function runStepmr(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts `stepmr offline` on free ports with its data under `dataDir` (plus any further
 * options, and variables added to its environment), and waits until it prints its `export`
 * lines, which hold the endpoints and the run's key.
 *
 * @example
 * ```ts
 * const cloud = await startOfflineCloudChild(join(tmp, 'cloud'), ['--inject-faults', 's3=5']);
 * const run = await cloud.stepmr('list', '--json');
 * await cloud.stop();
 * ```
 */
export async function startOfflineCloudChild(
  dataDir: string,
  options: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<OfflineCloudChild> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'offline',
      '--port',
      '0',
      '--s3-port',
      '0',
      '--lambda-port',
      '0',
      '--data-dir',
      dataDir,
      ...options,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/^export STEPMR_STACK=.*\n/m.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`stepmr offline exited (${code}):\n${err}`)));
  });
  const printed = Object.fromEntries(
    [...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ok = async (...args: string[]) => {
    const done = await runStepmr(args, printed);
    if (done.code !== 0) throw new Error(`stepmr ${args.join(' ')} exited ${done.code}:\n${done.stderr}`);
    return done;
  };
  return {
    env: printed,
    pid: child.pid,
    bucket: /bucket (\S+)/.exec(err)?.[1] ?? '',
    stepmr: (...args) => runStepmr(args, printed),
    ok,
    async download(uri, dir) {
      await ok('cp', '--quiet', uri, dir);
      return readOutput(dir);
    },
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return { code: await exited, stderr: err };
    },
    async exited() {
      return { code: await exited, stderr: err };
    },
  };
}
