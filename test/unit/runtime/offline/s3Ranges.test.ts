import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteRange, s3RangeFilter } from '../../../../framework/runtime/offline/s3Ranges.js';
import { tempDir } from '../../../e2e/helpers.js';
import { type S3Door, startS3Door } from './s3Door.js';

/**
 * Ranged reads through the S3 front door answer as S3 does, with the real SDK and the AWS CLI,
 * where s3rver alone sends the wrong bytes (suffix ranges, `bytes=0-0`) or resets the
 * connection (a range of an empty object).
 */

const data = randomBytes(1000);
const big = randomBytes(8 * 1024 * 1024 + 17);
const out = tempDir('stepmr-ranges-');
let door: S3Door;

beforeAll(async () => {
  door = await startS3Door((target) => [s3RangeFilter(target)]);
  const objects = { 'r/data': data, 'r/one': Buffer.from('x'), 'r/empty': Buffer.alloc(0), 'r/big': big };
  for (const [Key, Body] of Object.entries(objects)) {
    await door.s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body }));
  }
}, 30_000);
afterAll(async () => {
  await door?.close();
  out.cleanup();
});

async function get(Key: string, Range: string) {
  const reply = await door.s3.send(new GetObjectCommand({ Bucket: 'data', Key, Range }));
  const body = Buffer.from((await reply.Body?.transformToByteArray()) ?? []);
  return {
    status: reply.$metadata.httpStatusCode,
    range: reply.ContentRange,
    length: reply.ContentLength,
    body,
  };
}

/** The 206 answer for bytes `from`..`to` (inclusive) of `object`. */
const part = (object: Buffer, from: number, to: number) => ({
  status: 206,
  range: `bytes ${from}-${to}/${object.length}`,
  length: to - from + 1,
  body: object.subarray(from, to + 1),
});
const whole = (object: Buffer) => ({ status: 200, range: undefined, length: object.length, body: object });

describe('ranged GETs through the S3 front door, with the SDK', () => {
  it('answers suffix, one-byte, open and clamped ranges with exactly those bytes', async () => {
    const cases: [string, Buffer, string, ReturnType<typeof part>][] = [
      ['r/data', data, 'bytes=-5', part(data, 995, 999)],
      ['r/data', data, 'bytes=0-0', part(data, 0, 0)],
      ['r/data', data, 'bytes=10-19', part(data, 10, 19)],
      ['r/data', data, 'bytes=990-', part(data, 990, 999)],
      ['r/data', data, 'bytes=995-5000', part(data, 995, 999)],
      ['r/data', data, 'bytes=-5000', part(data, 0, 999)],
      ['r/data', data, 'bytes=999-999', part(data, 999, 999)],
      ['r/one', Buffer.from('x'), 'bytes=0-0', part(Buffer.from('x'), 0, 0)],
      ['r/one', Buffer.from('x'), 'bytes=-1', part(Buffer.from('x'), 0, 0)],
    ];
    for (const [key, , range, expected] of cases) {
      expect({ key, asked: range, ...(await get(key, range)) }).toEqual({ key, asked: range, ...expected });
    }
  });

  it('ignores a malformed range, and gives the whole empty object for a suffix range', async () => {
    expect(await get('r/data', 'bytes=5-2')).toEqual(whole(data));
    expect(await get('r/data', 'items=0-1')).toEqual(whole(data));
    expect(await get('r/empty', 'bytes=-5')).toEqual(whole(Buffer.alloc(0)));
  });

  it('answers an unsatisfiable range, and any other range of an empty object, with 416 InvalidRange', async () => {
    for (const [key, range] of [
      ['r/data', 'bytes=1000-'],
      ['r/data', 'bytes=-0'],
      ['r/empty', 'bytes=0-0'],
      ['r/empty', 'bytes=0-'],
    ]) {
      const error = await get(key as string, range as string).catch((e) => e);
      expect([key, range, error.name, error.$metadata?.httpStatusCode]).toEqual([
        key,
        range,
        'InvalidRange',
        416,
      ]);
    }
    // The connection is still good afterwards.
    expect(await get('r/one', 'bytes=0-0')).toEqual(part(Buffer.from('x'), 0, 0));
  });

  it('streams a range of a large object, and the tail of it', async () => {
    const mib = 1024 * 1024;
    expect(await get('r/big', `bytes=${mib}-${2 * mib - 1}`)).toEqual(part(big, mib, 2 * mib - 1));
    expect(await get('r/big', 'bytes=-3')).toEqual(part(big, big.length - 3, big.length - 1));
  });

  it('answers a ranged HEAD with the range’s length and Content-Range', async () => {
    const head = await door.s3.send(
      new HeadObjectCommand({ Bucket: 'data', Key: 'r/data', Range: 'bytes=-5' }),
    );
    expect([head.$metadata.httpStatusCode, head.ContentLength, head.ContentRange]).toEqual([
      206,
      5,
      'bytes 995-999/1000',
    ]);
  });
});

describe('ranged GETs through the S3 front door, with the AWS CLI', () => {
  it('gets the last 5 bytes with --range bytes=-5, and one with bytes=0-0', async () => {
    for (const [range, from, to] of [
      ['bytes=-5', 995, 999],
      ['bytes=0-0', 0, 0],
    ] as const) {
      const file = join(out.dir, `cli-${from}`);
      const run = await door.aws([
        's3api',
        'get-object',
        '--bucket',
        'data',
        '--key',
        'r/data',
        '--range',
        range,
        file,
      ]);
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toMatchObject({
        ContentRange: `bytes ${from}-${to}/1000`,
        ContentLength: to - from + 1,
      });
      expect(readFileSync(file).equals(data.subarray(from, to + 1))).toBe(true);
    }
  });

  it('is told InvalidRange for a range of an empty object', async () => {
    const run = await door.aws([
      's3api',
      'get-object',
      '--bucket',
      'data',
      '--key',
      'r/empty',
      '--range',
      'bytes=0-0',
      join(out.dir, 'empty'),
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('InvalidRange');
  });
});

describe('byteRange', () => {
  it('reads every form of a single byte range against an object size', () => {
    expect(byteRange('bytes=-5', 12)).toEqual({ kind: 'range', start: 7, end: 11 });
    expect(byteRange('bytes=3-', 12)).toEqual({ kind: 'range', start: 3, end: 11 });
    expect(byteRange('bytes=12-', 12)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=0-1,4-5', 12)).toEqual({ kind: 'ignore' });
    expect(byteRange('bytes=-', 12)).toEqual({ kind: 'ignore' });
  });
});
