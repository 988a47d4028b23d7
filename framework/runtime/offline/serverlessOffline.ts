import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { serverlessBin } from './packagedStack.js';
import { type PartExit, watchPart } from './partExit.js';

/**
 * The variables of the user's environment that serverless-offline (and so every function it
 * runs in process) still gets: what Node, the serverless CLI and tsx need to run, and the
 * log-level knobs of serverless.yml. Nothing else: no credentials, tokens or profiles.
 */
const PASSED_ON = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'STEPMR_DEBUG'];

/**
 * Prefixes of variables that pass too: the log-level knobs, and the application's own settings
 * (`STEPMR_APP_*`, such as the URL of an API a delegate job calls), which a deployed stack sets
 * in serverless.yml.
 */
const APP_PREFIXES = ['POWERTOOLS_', 'STEPMR_APP_'];

/**
 * The whole environment of serverless-offline: the few variables of `from` it needs (see
 * `PASSED_ON`, `POWERTOOLS_*` and `STEPMR_APP_*`), then `functions` — the offline stack's endpoints, key and
 * names. Everything serverless-offline has, its functions can read (it copies `AWS_*` into
 * them and runs them in its own process), so the user's other variables stay out.
 *
 * @example
 * ```ts
 * functionsEnvironment(process.env, { AWS_REGION: 'us-east-1' }); // { PATH: '/usr/bin:…', HOME: '/home/me', AWS_REGION: 'us-east-1' }
 * ```
 */
export function functionsEnvironment(
  from: NodeJS.ProcessEnv,
  functions: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && (PASSED_ON.includes(name) || APP_PREFIXES.some((p) => name.startsWith(p))))
      env[name] = value;
  }
  return { ...env, ...functions };
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Resolves when something listens on the port; rejects if `child` exits first or after `ms`. */
async function listening(port: number, child: ChildProcess, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (code ${child.exitCode}) before listening on port ${port}`);
    }
    const up = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (up) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${what} did not listen on port ${port} within ${ms / 1000} s`);
}

/** serverless-offline running in a child process. */
export interface ServerlessOffline {
  readonly pid: number | undefined;
  /** The port of its API Gateway emulation (the functions' `http` and `httpApi` events) on 127.0.0.1. */
  readonly httpPort: number;
  /** Resolves when it exits, by itself or by `stop()`, with how and its last output. */
  readonly exited: Promise<PartExit>;
  /** Ctrl-C, then SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * The V8 heap limit of serverless-offline, in MiB: the memory of the largest function of
 * serverless.yml (map and reduce, 2048 MB), since every function runs in its one process.
 */
export const FUNCTIONS_HEAP_MIB = 2048;

/**
 * Starts `serverless offline start` for a stage (functions in process, the Lambda Invoke API on
 * `lambdaPort` of 127.0.0.1, its HTTP, websocket and ALB servers on free ports) with exactly
 * `env` as its environment and a heap of at most `heapMiB` (default {@link FUNCTIONS_HEAP_MIB}),
 * and resolves once the Lambda API listens.
 *
 * @example
 * ```ts
 * const offline = await startServerlessOffline({ projectDir: '.', stage: 'dev', lambdaPort: 3002, env });
 * await offline.stop();
 * ```
 */
export async function startServerlessOffline(options: {
  readonly projectDir: string;
  readonly stage: string;
  readonly lambdaPort: number;
  readonly env: Readonly<Record<string, string>>;
  readonly heapMiB?: number;
  readonly detail?: (text: string) => void;
}): Promise<ServerlessOffline> {
  const [httpPort, websocketPort, albPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const ports = { lambdaPort: options.lambdaPort, httpPort, websocketPort, albPort };
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${options.heapMiB ?? FUNCTIONS_HEAP_MIB}`,
      serverlessBin(options.projectDir),
      ...['offline', 'start', '--stage', options.stage, '--useInProcess', '--noPrependStageInUrl'],
      ...Object.entries(ports).flatMap(([flag, port]) => [`--${flag}`, String(port)]),
    ],
    { cwd: options.projectDir, env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const part = watchPart(child, 'serverless-offline (the functions)');
  if (options.detail) {
    const detail = options.detail;
    child.stdout?.on('data', (chunk: Buffer) => detail(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => detail(chunk.toString()));
  }
  try {
    await listening(options.lambdaPort, child, 'serverless offline', 120_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${part.lastLines().join('\n')}`);
  }
  return { pid: child.pid, httpPort, exited: part.exited, stop };
}
