import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * A running s3rver with one bucket, and an S3 client for it.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver();
 * await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a', Body: 'x' }));
 * await s3.stop();
 * ```
 */
export interface S3rverFixture {
  /** A client for this server (with `maxAttempts: 1`; see {@link startS3rver}). */
  readonly client: S3Client;
  readonly bucket: string;
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The directory s3rver stores its buckets in (removed by `stop`). */
  readonly directory: string;
  /** A further client for this server, with some settings changed (credentials, endpoint…). */
  newClient(overrides?: Partial<S3ClientConfig>): S3Client;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * The child's program (CommonJS, no loader needed): start s3rver on a free loopback port with
 * the bucket configured, report the port over IPC, and exit when told to or when the parent
 * goes away (the IPC channel closes), so a killed test run leaves no server behind.
 */
const CHILD = `
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: process.env.S3RVER_DIRECTORY,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
});
server.run().then(
  (address) => process.send({ port: address.port }),
  (error) => { console.error(error); process.exit(1); },
);
const stop = () => server.close().finally(() => process.exit(0));
process.on('message', stop);
process.on('disconnect', stop);
`;

/**
 * Starts s3rver 3.7.1 in a child process and returns a client configured for it.
 *
 * Why a child process: s3rver's ListObjectsV2 continuation token is DES-encrypted, and the
 * OpenSSL 3 of Node 22 only offers DES with `--openssl-legacy-provider`, which takes effect at
 * process start only (setting `NODE_OPTIONS` inside a running test worker is too late, and
 * every listing past 1,000 keys then fails with a 500). So the server runs under
 * `node --openssl-legacy-provider`, and the test workers keep their default OpenSSL.
 * Each call gets its own port (0 = any free one) and temporary directory, so test files can
 * run in parallel.
 *
 * The client uses the credentials s3rver accepts (`S3RVER`/`S3RVER`), path-style addressing,
 * and checksums only where an operation requires one (with the SDK's default checksums,
 * s3rver stores the aws-chunked framing of streamed bodies). It has `maxAttempts: 1`: S3Store
 * retries on its own, so tests count exactly its attempts.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver();
 * const store = new S3Store({ client: s3.client, bucket: s3.bucket });
 * ```
 */
export async function startS3rver(options: { readonly bucket?: string } = {}): Promise<S3rverFixture> {
  const bucket = options.bucket ?? 'stepmr-test';
  const directory = await mkdtemp(path.join(tmpdir(), 'stepmr-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_DIRECTORY: directory,
      S3RVER_BUCKET: bucket,
    },
  });
  let port: number;
  try {
    port = await portOf(child);
  } catch (error) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const config: S3ClientConfig = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  };
  const clients: S3Client[] = [];
  const newClient = (overrides: Partial<S3ClientConfig> = {}): S3Client => {
    const client = new S3Client({ ...config, ...overrides });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    client,
    bucket,
    endpoint,
    directory,
    newClient,
    async stop() {
      for (const each of clients) each.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send('stop');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function portOf(child: ChildProcess): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`s3rver exited with code ${code} before listening:\n${stderr}`)),
    );
  });
}
