import { execFile } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { hostFilter, signatureFilter } from '../../../../framework/runtime/offline/doorFilters.js';
import { type RequestFilter, startFrontDoor } from '../../../../framework/runtime/offline/frontDoor.js';
import { startS3rverProcess } from '../../../../framework/runtime/offline/s3rverProcess.js';
import { newOfflineCredentials } from '../../../../framework/runtime/offline/sigv4Check.js';
import { tempDir } from '../../../e2e/helpers.js';

/** s3rver with bucket `data` behind an S3 front door with the given fix filters, and clients for it. */
export interface S3Door {
  readonly endpoint: string;
  /** The real SDK client, with the run's key. */
  readonly s3: S3Client;
  /** Runs the AWS CLI (v1, botocore: an independent client) against the door. */
  aws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver and its front door (host check, signature check, then `fixes(target)`).
 *
 * @example
 * ```ts
 * const door = await startS3Door((target) => [s3RangeFilter(target)]);
 * ```
 */
export async function startS3Door(fixes: (target: string) => RequestFilter[]): Promise<S3Door> {
  const keys = newOfflineCredentials();
  const tmp = tempDir('stepmr-s3door-');
  const s3rver = await startS3rverProcess({
    directory: tmp.dir,
    buckets: ['data'],
    accessKeyId: keys.accessKeyId,
  });
  const door = await startFrontDoor({
    target: s3rver.endpoint,
    filters: [hostFilter('s3'), signatureFilter('s3', keys), ...fixes(s3rver.endpoint)],
  });
  const s3 = new S3Client({
    endpoint: door.endpoint,
    region: 'us-east-1',
    credentials: { ...keys },
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const env = {
    ...clean,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: door.endpoint,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  return {
    endpoint: door.endpoint,
    s3,
    dir: tmp.dir,
    aws: (args) =>
      new Promise((resolve) => {
        execFile('aws', args, { env }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      }),
    async close() {
      s3.destroy();
      await door.close();
      await s3rver.stop();
      tmp.cleanup();
    },
  };
}
