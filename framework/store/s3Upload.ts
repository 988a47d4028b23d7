import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StoreRequestError } from './errors.js';
import { codeOf, isRetryableS3Error, toStoreError } from './s3Errors.js';

/** Part size of multipart uploads; S3's minimum is 5 MiB. */
const PART_SIZE = 8 * 1024 * 1024;
/** Parts of one stream in flight at once: memory is about (QUEUE_SIZE + 1) × PART_SIZE. */
const QUEUE_SIZE = 4;
/** The operation name of each command an `Upload` sends, for messages and retry events. */
const COMMANDS = [
  [PutObjectCommand, 'PutObject'],
  [CreateMultipartUploadCommand, 'CreateMultipartUpload'],
  [UploadPartCommand, 'UploadPart'],
  [CompleteMultipartUploadCommand, 'CompleteMultipartUpload'],
  [AbortMultipartUploadCommand, 'AbortMultipartUpload'],
] as const;

/**
 * Uploads a stream with lib-storage: one PutObject if it fits in a part, else a multipart
 * upload that becomes visible whole on completion and is aborted on any failure. Each request
 * goes through `request`, which retries it (parts are Buffers, so they can be sent again).
 * If the abort fails too, the failure that caused it is still what the caller sees. Resolves
 * with the new object's ETag.
 *
 * @example
 * ```ts
 * await uploadStream({ client, Bucket: 'b', Key: 'k', body, location: 's3://b/k', request: (op, call) => call() });
 * ```
 */
export async function uploadStream(options: {
  readonly client: S3Client;
  readonly Bucket: string;
  readonly Key: string;
  /** `If-None-Match` / `If-Match` for the PutObject or CompleteMultipartUpload. @default none */
  readonly conditions?: { readonly IfNoneMatch?: string; readonly IfMatch?: string };
  readonly body: Readable;
  /** The object's `s3://` URI, for messages. */
  readonly location: string;
  readonly request: <T>(operation: string, call: () => Promise<T>) => Promise<T>;
}): Promise<string | undefined> {
  const { client, location, request } = options;
  let abortFailure: unknown;
  const send = async (command: object): Promise<unknown> => {
    const operation = COMMANDS.find(([type]) => command instanceof type)?.[1] ?? 'PutObject';
    try {
      return await request(operation, () => client.send(command as UploadPartCommand));
    } catch (error) {
      if (!(command instanceof AbortMultipartUploadCommand)) throw error;
      // lib-storage would throw this instead of the failure that made it abort.
      abortFailure = error;
      return {};
    }
  };
  // lib-storage reads the client's config and calls its send(); only send() is replaced.
  const retrying = new Proxy(client, {
    get: (target, property) => (property === 'send' ? send : Reflect.get(target, property)),
  });
  const upload = new Upload({
    client: retrying,
    params: { Bucket: options.Bucket, Key: options.Key, Body: options.body, ...options.conditions },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  try {
    const output = await upload.done();
    return 'ETag' in output ? output.ETag : undefined;
  } catch (error) {
    if (abortFailure === undefined) throw toStoreError(error, 'PutObject', location, 1);
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreRequestError(
      {
        operation: 'PutObject',
        location,
        code: codeOf(error),
        statusCode: undefined,
        attempts: error instanceof StoreRequestError ? error.attempts : 1,
        retryable: error instanceof StoreRequestError ? error.retryable : isRetryableS3Error(error),
        advice: `${message} Aborting the multipart upload failed too (${codeOf(abortFailure)}): its parts stay in the bucket until a lifecycle rule (AbortIncompleteMultipartUpload) removes them.`,
      },
      { cause: error },
    );
  }
}
