import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { type PartExit, watchPart } from './partExit.js';

/** A running s3rver child process. */
export interface S3rverProcess {
  /** `http://<host>:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** Resolves when the process exits, by itself or by `stop()`, with how and its last output. */
  readonly exited: Promise<PartExit>;
  /** Stops the server; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Calls `listener` with each S3 event notification record s3rver makes (an object created or removed). */
  onEvent(listener: (record: S3rverRecord) => void): void;
}

/** One record of an S3 event notification, as s3rver makes it. */
export interface S3rverRecord {
  readonly eventName: string;
  readonly eventTime: string;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string };
  };
}

/** Options of {@link startS3rverProcess}. */
export interface S3rverProcessOptions {
  /** Where s3rver keeps its buckets (one folder per bucket, objects as files). */
  readonly directory: string;
  /** Buckets created at start (kept, with their objects, if they exist). */
  readonly buckets: readonly string[];
  /** @default 0: any free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * The only access key id s3rver takes, instead of its well-known `S3RVER` (behind a front
   * door that checks signatures: s3rver itself checks a Signature Version 4 key id, never the
   * signature). @default 'S3RVER'
   */
  readonly accessKeyId?: string;
}

/**
 * The child's program (CommonJS, no loader needed): start s3rver with the buckets configured,
 * report the port over IPC, and exit when told to or when the parent goes away (the IPC channel
 * closes), so a killed parent leaves no server behind.
 */
const CHILD = `
const S3rver = require(process.env.S3RVER_MODULE);
const { DUMMY_ACCOUNT } = require(process.env.S3RVER_ACCOUNT_MODULE);
if (process.env.S3RVER_ACCESS_KEY_ID !== 'S3RVER') {
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(process.env.S3RVER_ACCESS_KEY_ID, 'unused: Signature Version 4 is not checked');
}
const server = new S3rver({
  address: process.env.S3RVER_HOST,
  port: Number(process.env.S3RVER_PORT),
  silent: true,
  directory: process.env.S3RVER_DIRECTORY,
  configureBuckets: JSON.parse(process.env.S3RVER_BUCKETS).map((name) => ({ name })),
});
// Its S3 event notifications (Records of ObjectCreated:*, ObjectRemoved:*), for the event bus.
server.on('event', (event) => process.connected && process.send({ s3event: event }));
server.run().then(
  (address) => process.send({ port: address.port }),
  (error) => { console.error(error); process.exit(1); },
);
const stop = () => server.close().finally(() => process.exit(0));
process.on('message', stop);
process.on('disconnect', stop);
`;

/**
 * Starts s3rver, an S3 server speaking S3's REST protocol, in a child process.
 *
 * Why a child process: s3rver's ListObjectsV2 continuation token is DES-encrypted, and the
 * OpenSSL 3 of Node 22 offers DES only with `--openssl-legacy-provider`, which takes effect at
 * process start only; without it every listing past 1,000 keys fails with a 500. So the server
 * runs under `node --openssl-legacy-provider` and the calling process keeps its default OpenSSL.
 *
 * s3rver accepts the credentials `S3RVER` / `S3RVER` only; clients should use path-style
 * addressing and checksums only where required (see {@link S3RVER_CLIENT_ENV}).
 *
 * @example
 * ```ts
 * const s3 = await startS3rverProcess({ directory: '.stepmr/offline/s3', buckets: ['data'] });
 * console.log(s3.endpoint); // http://127.0.0.1:41231
 * await s3.stop();
 * ```
 */
export async function startS3rverProcess(options: S3rverProcessOptions): Promise<S3rverProcess> {
  const host = options.host ?? '127.0.0.1';
  const require = createRequire(import.meta.url);
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      S3RVER_MODULE: require.resolve('s3rver'),
      S3RVER_ACCOUNT_MODULE: require.resolve('s3rver/lib/models/account'),
      S3RVER_ACCESS_KEY_ID: options.accessKeyId ?? S3RVER_CREDENTIALS.accessKeyId,
      S3RVER_DIRECTORY: options.directory,
      S3RVER_BUCKETS: JSON.stringify(options.buckets),
      S3RVER_HOST: host,
      S3RVER_PORT: String(options.port ?? 0),
    },
  });
  const part = watchPart(child, 's3rver (S3)');
  const listeners: ((record: S3rverRecord) => void)[] = [];
  child.on('message', (message: { s3event?: { Records?: S3rverRecord[] } }) => {
    for (const record of message.s3event?.Records ?? []) for (const listener of listeners) listener(record);
  });
  let port: number;
  try {
    port = await portOf(child);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint: `http://${host}:${port}`,
    port,
    exited: part.exited,
    onEvent: (listener) => {
      listeners.push(listener);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send('stop');
      else child.kill();
      await exited;
    },
  };
}

/**
 * What an AWS SDK client needs to talk to s3rver, as the standard environment variables:
 * s3rver's credentials, and checksums only where an operation requires one (with the SDK's
 * default checksums, s3rver stores the aws-chunked framing of streamed bodies).
 */
/** The credentials s3rver accepts. Give clients a copy: the SDK marks the object it is given. */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/**
 * An S3 client's settings for s3rver at `endpoint`: its credentials, path-style addressing,
 * checksums only where required, and one attempt per call (S3Store retries by itself).
 *
 * @example
 * ```ts
 * const client = new S3Client(s3rverClientConfig(s3.endpoint));
 * ```
 */
export function s3rverClientConfig(endpoint: string): S3ClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  };
}

export const S3RVER_CLIENT_ENV: Readonly<Record<string, string>> = Object.freeze({
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
});

function portOf(child: ChildProcess): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { port?: number }) => {
      if (typeof message.port === 'number') resolve(message.port);
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`s3rver exited with code ${code} before listening:\n${stderr}`)),
    );
  });
}
