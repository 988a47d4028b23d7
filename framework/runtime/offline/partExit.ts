import type { ChildProcess } from 'node:child_process';
import { StepmrError } from '../../errors.js';

/** A part of the offline cloud (s3rver or serverless-offline) exited while the cloud ran. */
export class OfflinePartDiedError extends StepmrError {
  override readonly name = 'OfflinePartDiedError';
}

/** How a part of the offline cloud (a child process) ended. */
export interface PartExit {
  /** Which part: `s3rver (S3)` or `serverless-offline (the functions)`. */
  readonly part: string;
  /** Its exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it (`SIGKILL` for the kernel's out-of-memory killer too), or null. */
  readonly signal: NodeJS.Signals | null;
  /** Its last lines of output (stderr, and stdout where it is read), newest last. */
  readonly lastLines: readonly string[];
}

/** A child process watched for its end, with the tail of its output kept. */
export interface WatchedPart {
  /** Resolves when the process exits, however it ends. */
  readonly exited: Promise<PartExit>;
  /** Its last lines of output so far. */
  lastLines(): readonly string[];
}

const KEPT_CHARS = 20_000;

/**
 * Keeps the last output of `child` (every stream of it that is piped) and resolves `exited`
 * with its code or signal and those last lines once it exits: what `stepmr offline` prints
 * when a part dies under it.
 *
 * @example
 * ```ts
 * const part = watchPart(spawn('node', ['server.js'], { stdio: ['ignore', 'pipe', 'pipe'] }), 's3rver (S3)');
 * part.exited.then((exit) => console.error(describePartExit(exit)));
 * ```
 */
export function watchPart(child: ChildProcess, part: string): WatchedPart {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const lastLines = (count = 20) =>
    output
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line !== '')
      .slice(-count);
  const exited = new Promise<PartExit>((resolve) => {
    const done = () =>
      resolve({ part, code: child.exitCode, signal: child.signalCode, lastLines: lastLines() });
    if (child.exitCode !== null || child.signalCode !== null) done();
    // 'close' comes after the output streams have ended, so the last lines are all there.
    else child.once('close', done);
  });
  return { exited, lastLines: () => lastLines() };
}

/**
 * Which part ended and how, in one line: its code or signal, and what that likely means.
 *
 * @example
 * ```ts
 * partExitSummary({ part: 's3rver (S3)', code: null, signal: 'SIGKILL', lastLines: [] });
 * // 's3rver (S3) died: killed by SIGKILL (by a user, or by the kernel when out of memory)'
 * ```
 */
export function partExitSummary(exit: PartExit): string {
  const how =
    exit.signal !== null
      ? `killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (by a user, or by the kernel when out of memory)' : ''}`
      : `exited with code ${exit.code}${exit.code === 134 ? ' (aborted: a JavaScript heap out of memory ends so)' : ''}`;
  return `${exit.part} died: ${how}`;
}

/**
 * {@link partExitSummary}, then the part's last lines of output.
 *
 * @example
 * ```ts
 * describePartExit({ part: 's3rver (S3)', code: 1, signal: null, lastLines: ['Error: EACCES'] });
 * // 's3rver (S3) died: exited with code 1; its last lines:\n  | Error: EACCES'
 * ```
 */
export function describePartExit(exit: PartExit): string {
  const said = exit.lastLines.length
    ? `; its last lines:\n${exit.lastLines.map((line) => `  | ${line}`).join('\n')}`
    : '; it printed nothing';
  return `${partExitSummary(exit)}${said}`;
}
