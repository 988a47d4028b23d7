import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import {
  type ConditionalWriteProxy,
  startConditionalWriteProxy,
} from '../../framework/runtime/offline/conditionalWrites.js';
import {
  type S3rverProcess,
  s3rverClientConfig,
  startS3rverProcess,
} from '../../framework/runtime/offline/s3rverProcess.js';
import { S3Store, type S3StoreOptions } from '../../framework/store/S3Store.js';

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
  /** `http://127.0.0.1:<port>`: s3rver, or the conditional write proxy in front of it. */
  readonly endpoint: string;
  /** s3rver itself, which ignores `If-None-Match` and `If-Match`. */
  readonly s3rverEndpoint: string;
  /** The directory s3rver stores its buckets in (removed by `stop`). */
  readonly directory: string;
  /** A further client for this server, with some settings changed (credentials, endpoint…). */
  newClient(overrides?: Partial<S3ClientConfig>): S3Client;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver 3.7.1 in a child process and returns a client configured for it.
 *
 * The server is {@link startS3rverProcess}'s (a child under `--openssl-legacy-provider`). Each
 * call gets its own port and temporary directory, so test files can run in parallel. With
 * `conditionalWrites`, clients talk to s3rver through the offline cloud's proxy that enforces
 * `If-None-Match` and `If-Match` (`startConditionalWriteProxy`), as S3 does.
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
export async function startS3rver(
  options: { readonly bucket?: string; readonly conditionalWrites?: boolean } = {},
): Promise<S3rverFixture> {
  const bucket = options.bucket ?? 'stepmr-test';
  const directory = await mkdtemp(path.join(tmpdir(), 'stepmr-s3rver-'));
  let server: S3rverProcess;
  try {
    server = await startS3rverProcess({ directory, buckets: [bucket] });
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let proxy: ConditionalWriteProxy | undefined;
  if (options.conditionalWrites) proxy = await startConditionalWriteProxy({ target: server.endpoint });
  const endpoint = proxy?.endpoint ?? server.endpoint;
  const config = s3rverClientConfig(endpoint);
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
    s3rverEndpoint: server.endpoint,
    directory,
    newClient,
    async stop() {
      for (const each of clients) each.destroy();
      await proxy?.close();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Makes S3Stores over a started s3rver, each under a prefix of its own (`<stem>1`, `<stem>2`…)
 * so tests never see each other's objects, with retries that do not sleep. `fixture` is read at
 * each call, since the server starts in a `beforeAll`.
 *
 * @example
 * ```ts
 * const newStore = storeMaker(() => s3, 't');
 * const store = newStore({ retry: { maxAttempts: 3 } });
 * ```
 */
export function storeMaker(fixture: () => S3rverFixture, stem: string) {
  let prefixes = 0;
  return (options: Partial<S3StoreOptions> = {}): S3Store => {
    prefixes += 1;
    const s3 = fixture();
    return new S3Store({
      client: s3.client,
      bucket: s3.bucket,
      prefix: `${stem}${prefixes}`,
      deps: { sleep: async () => {}, random: () => 0.5 },
      ...options,
    });
  };
}
