import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MultipartEtags,
  s3MultipartEtagFilter,
} from '../../../../framework/runtime/offline/s3MultipartEtags.js';
import { s3RangeFilter } from '../../../../framework/runtime/offline/s3Ranges.js';
import { tempDir } from '../../../e2e/helpers.js';
import { type S3Door, startS3Door } from './s3Door.js';

/**
 * An object made by a multipart upload has S3's ETag, `"<md5 of the parts' md5s>-<parts>"`,
 * through the S3 front door (s3rver gives the MD5 of the whole object), with the SDK and the
 * AWS CLI.
 */

const MIB = 1024 * 1024;
const out = tempDir('stepmr-etags-');
let door: S3Door;

beforeAll(async () => {
  const etags = new MultipartEtags();
  door = await startS3Door((target) => [s3MultipartEtagFilter(target, etags), s3RangeFilter(target, etags)]);
}, 30_000);
afterAll(async () => {
  await door?.close();
  out.cleanup();
});

const md5 = (data: Buffer) => createHash('md5').update(data).digest();
/** S3's ETag of an object uploaded in these parts, computed here from the bytes. */
const expectedEtag = (parts: Buffer[]) =>
  `"${createHash('md5')
    .update(Buffer.concat(parts.map(md5)))
    .digest('hex')}-${parts.length}"`;

async function uploadInParts(Key: string, parts: Buffer[]): Promise<string | undefined> {
  const { UploadId } = await door.s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key }));
  const done = [];
  for (const [i, Body] of parts.entries()) {
    const { ETag } = await door.s3.send(
      new UploadPartCommand({ Bucket: 'data', Key, UploadId, PartNumber: i + 1, Body }),
    );
    done.push({ ETag, PartNumber: i + 1 });
  }
  const completed = await door.s3.send(
    new CompleteMultipartUploadCommand({ Bucket: 'data', Key, UploadId, MultipartUpload: { Parts: done } }),
  );
  return completed.ETag;
}

describe('the multipart ETag through the S3 front door, with the SDK', () => {
  const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(1234)];

  it('answers CompleteMultipartUpload, HeadObject, GetObject and listings with S3’s ETag', async () => {
    const etag = expectedEtag(parts);
    expect(await uploadInParts('mp/three', parts)).toBe(etag);
    const head = await door.s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'mp/three' }));
    expect([head.ETag, head.ContentLength]).toEqual([etag, Buffer.concat(parts).length]);
    const got = await door.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'mp/three' }));
    const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect([got.ETag, body.equals(Buffer.concat(parts))]).toEqual([etag, true]);
    const ranged = await door.s3.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'mp/three', Range: 'bytes=-10' }),
    );
    expect(ranged.ETag).toBe(etag);
    await ranged.Body?.transformToByteArray();
    const { Contents = [] } = await door.s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'mp/' }));
    expect(Contents.find((c) => c.Key === 'mp/three')?.ETag).toBe(etag);
  });

  it('takes S3’s ETag in If-Match and If-None-Match', async () => {
    const etag = expectedEtag(parts);
    const matched = await door.s3.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'mp/three', IfMatch: etag }),
    );
    await matched.Body?.transformToByteArray();
    expect(matched.$metadata.httpStatusCode).toBe(200);
    const notModified = await door.s3
      .send(new GetObjectCommand({ Bucket: 'data', Key: 'mp/three', IfNoneMatch: etag }))
      .catch((e) => e);
    expect(notModified.$metadata?.httpStatusCode).toBe(304);
  });

  it('gives a single PUT its plain MD5, also over an object that was multipart', async () => {
    const data = randomBytes(1000);
    const plain = `"${md5(data).toString('hex')}"`;
    const put = await door.s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'mp/three', Body: data }));
    expect(put.ETag).toBe(plain);
    expect((await door.s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'mp/three' }))).ETag).toBe(plain);
    const { Contents = [] } = await door.s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'mp/' }));
    expect(Contents.find((c) => c.Key === 'mp/three')?.ETag).toBe(plain);
  });
});

describe('the multipart ETag through the S3 front door, with the AWS CLI', () => {
  it('shows the ETag of a file the CLI uploaded in 8 MiB parts', async () => {
    const data = randomBytes(20 * MIB);
    const file = join(out.dir, 'big.bin');
    writeFileSync(file, data);
    const up = await door.aws(['s3', 'cp', file, 's3://data/mp/cli.bin']);
    expect([up.code, up.stderr]).toEqual([0, '']);
    // The CLI's default: multipart past 8 MiB, in parts of 8 MiB.
    const parts = [data.subarray(0, 8 * MIB), data.subarray(8 * MIB, 16 * MIB), data.subarray(16 * MIB)];
    const head = await door.aws(['s3api', 'head-object', '--bucket', 'data', '--key', 'mp/cli.bin']);
    expect(JSON.parse(head.stdout).ETag).toBe(expectedEtag(parts));
  });
});
