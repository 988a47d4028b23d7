import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidKeyError,
  InvalidRangeError,
  ObjectNotFoundError,
  StoreRequestError,
} from '../../../framework/store/errors.js';
import { registerS3Opener, S3Store } from '../../../framework/store/S3Store.js';
import type { RetryEvent } from '../../../framework/store/s3Retry.js';
import { openUri } from '../../../framework/store/uri.js';
import { type S3rverFixture, startS3rver, storeMaker } from '../../support/s3rver.js';

let s3: S3rverFixture;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

const newStore = storeMaker(() => s3, 't');

/** What a test answers instead of s3rver: an HTTP response, or an error thrown by the "network". */
type Fake = {
  readonly status: number;
  readonly body?: Buffer | Readable;
  readonly headers?: Record<string, string>;
};

/**
 * A client whose sends are counted per command, and whose next sends of a command can be
 * answered by fakes (queued per command name such as 'GetObjectCommand') instead of s3rver.
 * The middleware sits under the deserializer, so a fake goes through the SDK's error parsing
 * as a real answer would. The client has maxAttempts 1: every send counted is a store attempt.
 */
function instrumented(): {
  client: S3Client;
  sends: Map<string, number>;
  fakes: Map<string, (Fake | Error)[]>;
  inputs: Map<string, Record<string, unknown>[]>;
  outputs: Map<string, unknown[]>;
} {
  const client = s3.newClient();
  const sends = new Map<string, number>();
  const fakes = new Map<string, (Fake | Error)[]>();
  const inputs = new Map<string, Record<string, unknown>[]>();
  const outputs = new Map<string, unknown[]>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      sends.set(name, (sends.get(name) ?? 0) + 1);
      inputs.set(name, [...(inputs.get(name) ?? []), args.input as Record<string, unknown>]);
      const fake = fakes.get(name)?.shift();
      if (fake instanceof Error) throw fake;
      if (fake !== undefined) {
        const headers = { 'content-type': 'application/xml', ...fake.headers };
        return {
          response: { statusCode: fake.status, headers, body: fake.body ?? Buffer.alloc(0) },
          output: {} as ServiceOutputTypes,
        };
      }
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'testFaults' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = context.commandName ?? '?';
      outputs.set(name, [...(outputs.get(name) ?? []), result.output]);
      return result;
    },
    { step: 'initialize', name: 'testOutputs' },
  );
  return { client, sends, fakes, inputs, outputs };
}

function s3Error(status: number, code: string): Fake {
  return {
    status,
    body: Buffer.from(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>injected</Message></Error>`),
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function inPool<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('S3Store round trips', () => {
  it('keeps keys under the prefix and names the store by its s3:// URL', async () => {
    const store = newStore({ prefix: 'nested/root/' });
    expect(store.url).toBe(`s3://${s3.bucket}/nested/root/`);
    await store.put('a.txt', 'under the prefix');
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'nested/root/a.txt' }));
    expect(await raw.Body?.transformToString()).toBe('under the prefix');
    expect(new S3Store({ client: s3.client, bucket: s3.bucket }).url).toBe(`s3://${s3.bucket}/`);
  });

  it('round-trips Buffer, string and stream bodies under awkward keys', async () => {
    const store = newStore();
    const binary = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(70_000),
    ]);
    const text = 'naïve café — 日本語 ✓ \u{1F600}\n'.repeat(100);
    const streamed = randomBytes(300_000);
    const objects: [string, Buffer | string | Readable, Buffer][] = [
      ['bin/all bytes.bin', binary, binary],
      ['unicode/日本語/ключ ✓.txt', text, Buffer.from(text, 'utf8')],
      ['odd/a+b c.txt', 'plus and space', Buffer.from('plus and space')],
      ['odd/100% sure.txt', 'percent', Buffer.from('percent')],
      ['odd/%2B already-encoded.txt', 'literal %2B', Buffer.from('literal %2B')],
      ['stream/chunks.bin', Readable.from([streamed.subarray(0, 1000), streamed.subarray(1000)]), streamed],
      ['empty', Buffer.alloc(0), Buffer.alloc(0)],
    ];
    for (const [key, body] of objects) await store.put(key, body);
    for (const [key, , expected] of objects) {
      expect((await store.get(key)).equals(expected), key).toBe(true);
      expect((await collect(store.read(key))).equals(expected), key).toBe(true);
      expect(await store.head(key)).toEqual({ key, size: expected.length });
    }
    const listed = [];
    for await (const info of store.list('')) listed.push(info);
    const expectedKeys = objects
      .map(([key]) => key)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listed.map((info) => info.key)).toEqual(expectedKeys);
  });

  it('overwrites an object whole', async () => {
    const store = newStore();
    await store.put('k', 'first version, longer');
    await store.put('k', 'second');
    expect((await store.get('k')).toString()).toBe('second');
  });
});

describe('S3Store ranged reads', () => {
  it('returns the bytes [start, end) clipped to the object, as slices of the written bytes', async () => {
    const store = newStore();
    const data = randomBytes(1000);
    await store.put('r.bin', data);
    const ranges = [
      [0, 1],
      [0, 1000],
      [10, 20],
      [999, 1000],
      [990, 2000],
      [0, 5000],
      [500, Number.POSITIVE_INFINITY],
      [0, 0],
      [37, 37],
      [1000, 1000],
      [1000, 1010],
      [5000, 6000],
    ] as const;
    for (const [start, end] of ranges) {
      const expected = data.subarray(start, Math.min(end, data.length));
      const label = `[${start}, ${end})`;
      expect((await store.getRange('r.bin', { start, end })).equals(expected), label).toBe(true);
      expect((await collect(store.read('r.bin', { start, end }))).equals(expected), label).toBe(true);
    }
  });

  it('rejects bad ranges and missing objects, even for empty ranges', async () => {
    const store = newStore();
    await store.put('r.bin', 'abc');
    await expect(store.getRange('r.bin', { start: 5, end: 2 })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(store.getRange('r.bin', { start: -1, end: 2 })).rejects.toBeInstanceOf(InvalidRangeError);
    expect(() => store.read('r.bin', { start: 1.5, end: 2 })).toThrow(InvalidRangeError);
    for (const range of [
      { start: 0, end: 10 },
      { start: 3, end: 3 },
    ]) {
      await expect(store.getRange('missing.bin', range)).rejects.toMatchObject({
        name: 'ObjectNotFoundError',
        location: `${store.url}missing.bin`,
      });
      await expect(collect(store.read('missing.bin', range))).rejects.toBeInstanceOf(ObjectNotFoundError);
    }
  });
});

describe('S3Store multipart uploads', () => {
  it('uploads a 12 MiB stream in parts and reads it back byte-identical, retrying a throttled part', async () => {
    const { client, sends, fakes } = instrumented();
    const store = newStore({ client });
    const chunks = Array.from({ length: 193 }, () => randomBytes(64 * 1024));
    const expected = sha256(Buffer.concat(chunks));
    fakes.set('UploadPartCommand', [s3Error(503, 'SlowDown')]);
    await store.put('big/data.bin', Readable.from(chunks));
    expect(sends.get('CreateMultipartUploadCommand')).toBe(1);
    // 193 × 64 KiB = 12.06 MiB: two 8 MiB parts, plus the one attempt answered with a 503.
    expect(sends.get('UploadPartCommand')).toBe(3);
    expect(sends.get('CompleteMultipartUploadCommand')).toBe(1);
    expect(sha256(await store.get('big/data.bin'))).toBe(expected);
    expect(sha256(await collect(store.read('big/data.bin')))).toBe(expected);
    expect((await store.head('big/data.bin'))?.size).toBe(193 * 64 * 1024);
  });

  it('aborts the multipart upload when the source stream fails, leaving no object', async () => {
    // s3rver implements neither AbortMultipartUpload (405) nor ListMultipartUploads (501), so
    // the test checks that the abort is sent for the upload that was created, and answers it
    // as S3 does (204).
    const { client, fakes, inputs, outputs } = instrumented();
    const store = newStore({ client });
    fakes.set('AbortMultipartUploadCommand', [{ status: 204 }]);
    const broken = new Error('source disk went away');
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 9; i += 1) yield randomBytes(1024 * 1024);
      throw broken;
    }
    await expect(store.put('big/broken.bin', Readable.from(source()))).rejects.toBe(broken);
    const created = outputs.get('CreateMultipartUploadCommand')?.[0] as { UploadId: string };
    expect(inputs.get('AbortMultipartUploadCommand')).toEqual([
      expect.objectContaining({ Key: `${store.prefix}big/broken.bin`, UploadId: created.UploadId }),
    ]);
    expect(await store.head('big/broken.bin')).toBeUndefined();
  });

  it('reports the original failure when aborting fails too', async () => {
    const store = newStore();
    async function* source(): AsyncGenerator<Buffer> {
      yield randomBytes(9 * 1024 * 1024);
      throw new Error('source disk went away');
    }
    const failure = await store
      .put('big/broken.bin', Readable.from(source()))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreRequestError);
    expect(String(failure)).toMatch(/source disk went away/);
    expect(String(failure)).toMatch(/Aborting the multipart upload failed too \(MethodNotAllowed\)/);
    expect(String(failure)).toContain(`${store.url}big/broken.bin`);
  });
});

describe('S3Store listing and deleting', () => {
  it('lists 1,500 keys across pages in byte order, then deletes them in batches', async () => {
    const { client, sends, inputs } = instrumented();
    const store = newStore({ client });
    const keys = Array.from({ length: 1500 }, (_, i) => (i % 100 === 7 ? `many/é/${i}` : `many/${i}.txt`));
    await inPool(keys, 32, (key) => store.put(key, key));
    const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

    const listed = [];
    for await (const info of store.list('many/')) listed.push(info);
    expect(listed.map((info) => info.key)).toEqual(sorted);
    expect(listed.every((info) => info.size === Buffer.byteLength(info.key))).toBe(true);
    expect(sends.get('ListObjectsV2Command')).toBe(2);

    const some = [];
    for await (const info of store.list('many/1')) some.push(info.key);
    expect(some).toEqual(sorted.filter((key) => key.startsWith('many/1')));

    await store.delete([...keys, 'many/never-written.txt']);
    // Two batches, 1,000 + 501 keys. (s3rver sometimes answers a batch with 500 InternalError,
    // racing to remove emptied directories; the store then sends that batch again.)
    const batches = inputs
      .get('DeleteObjectsCommand')
      ?.map((input) => (input.Delete as { Objects: [] }).Objects.length);
    expect(new Set(batches)).toEqual(new Set([1000, 501]));
    const left = [];
    for await (const info of store.list('')) left.push(info.key);
    expect(left).toEqual([]);
  });

  it('deletes nothing for no keys, and ignores missing keys', async () => {
    const { client, sends } = instrumented();
    const store = newStore({ client });
    await store.delete([]);
    expect(sends.get('DeleteObjectsCommand')).toBeUndefined();
    await store.put('keep', 'x');
    await store.delete(['gone-1', 'gone-2']);
    expect(await store.head('keep')).toEqual({ key: 'keep', size: 1 });
  });
});

describe('S3Store move and missing objects', () => {
  it('moves an object: readable at the target, gone from the source', async () => {
    const store = newStore();
    await store.put('move/from é 100%.txt', 'moving');
    await store.move('move/from é 100%.txt', 'move/to/ü 50%.txt');
    expect((await store.get('move/to/ü 50%.txt')).toString()).toBe('moving');
    expect(await store.head('move/from é 100%.txt')).toBeUndefined();
    await expect(store.move('move/missing', 'move/x')).rejects.toMatchObject({
      name: 'ObjectNotFoundError',
      location: `${store.url}move/missing`,
    });
  });

  it('URL-encodes the copy source of keys with reserved characters', async () => {
    // s3rver decodes x-amz-copy-source with decodeURI, which leaves %2B encoded, so it cannot
    // copy a key with '+'; S3 needs '+' sent as %2B. The copy is answered as S3 would.
    const { client, fakes, inputs } = instrumented();
    const store = newStore({ client, prefix: 'p' });
    await store.put('a+b c/d#?.txt', 'x');
    const result = '<CopyObjectResult><ETag>"x"</ETag></CopyObjectResult>';
    fakes.set('CopyObjectCommand', [{ status: 200, body: Buffer.from(result) }]);
    await store.move('a+b c/d#?.txt', 'to.txt');
    expect(inputs.get('CopyObjectCommand')?.[0]?.CopySource).toBe(`${s3.bucket}/p/a%2Bb%20c/d%23%3F.txt`);
    expect(inputs.get('DeleteObjectCommand')?.[0]?.Key).toBe('p/a+b c/d#?.txt');
  });

  it('answers head of a missing object with undefined and get with ObjectNotFoundError, without retrying', async () => {
    const { client, sends } = instrumented();
    const store = newStore({ client });
    expect(await store.head('nothing/here.txt')).toBeUndefined();
    const failure = await store.get('nothing/here.txt').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ObjectNotFoundError);
    expect((failure as ObjectNotFoundError).location).toBe(`${store.url}nothing/here.txt`);
    expect((failure as ObjectNotFoundError).retryable).toBe(false);
    expect(sends.get('HeadObjectCommand')).toBe(1);
    expect(sends.get('GetObjectCommand')).toBe(1);
  });

  it('refuses keys that are not relative paths', async () => {
    const store = newStore();
    for (const key of ['', '/abs', 'a//b', '../up', 'a/./b']) {
      await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidKeyError);
    }
    expect(() => newStore({ prefix: '/abs' })).toThrow(InvalidKeyError);
  });
});

describe('S3Store retries', () => {
  it('retries 503 SlowDown with capped full-jitter backoff until the request succeeds', async () => {
    const { client, sends, fakes } = instrumented();
    const sleeps: number[] = [];
    const events: RetryEvent[] = [];
    const store = newStore({
      client,
      retry: { maxAttempts: 5, baseMs: 100, capMs: 300 },
      deps: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
      onRetry: (event) => events.push(event),
    });
    await store.put('r.txt', 'after the storm');
    fakes.set('GetObjectCommand', [
      s3Error(503, 'SlowDown'),
      s3Error(503, 'SlowDown'),
      s3Error(503, 'SlowDown'),
    ]);
    expect((await store.get('r.txt')).toString()).toBe('after the storm');
    expect(sends.get('GetObjectCommand')).toBe(4);
    // random 0.5 × min(cap 300, base 100 × 2^(attempt-1)) for attempts 1, 2, 3.
    expect(sleeps).toEqual([0.5 * 100, 0.5 * 200, 0.5 * 300]);
    expect(events.map((event) => [event.operation, event.location, event.attempt])).toEqual([
      ['GetObject', `${store.url}r.txt`, 1],
      ['GetObject', `${store.url}r.txt`, 2],
      ['GetObject', `${store.url}r.txt`, 3],
    ]);
  });

  it('retries 500 InternalError on every kind of request', async () => {
    const { client, sends, fakes } = instrumented();
    const store = newStore({ client });
    const names = ['PutObject', 'HeadObject', 'ListObjectsV2', 'CopyObject', 'DeleteObject', 'DeleteObjects'];
    for (const name of names) fakes.set(`${name}Command`, [s3Error(500, 'InternalError')]);
    await store.put('a', 'x');
    expect(await store.head('a')).toEqual({ key: 'a', size: 1 });
    const listed = [];
    for await (const info of store.list('')) listed.push(info.key);
    expect(listed).toEqual(['a']);
    await store.move('a', 'b');
    await store.delete(['b']);
    expect(names.map((name) => sends.get(`${name}Command`))).toEqual(names.map(() => 2));
    expect(await store.head('b')).toBeUndefined();
  });

  it('gives up after maxAttempts with a retryable StoreRequestError naming the operation and object', async () => {
    const { client, sends, fakes } = instrumented();
    const store = newStore({ client, retry: { maxAttempts: 4 } });
    fakes.set(
      'GetObjectCommand',
      Array.from({ length: 10 }, () => s3Error(503, 'SlowDown')),
    );
    const failure = (await store.get('x.bin').catch((error: unknown) => error)) as StoreRequestError;
    expect(failure).toBeInstanceOf(StoreRequestError);
    expect(failure).toMatchObject({ retryable: true, code: 'SlowDown', statusCode: 503, attempts: 4 });
    expect(failure.message).toContain(
      `GetObject of ${store.url}x.bin failed with SlowDown (HTTP 503) after 4 attempts`,
    );
    expect(sends.get('GetObjectCommand')).toBe(4);
  });

  it('does not retry 403 AccessDenied', async () => {
    const { client, sends, fakes } = instrumented();
    const store = newStore({ client });
    fakes.set('PutObjectCommand', [s3Error(403, 'AccessDenied')]);
    const failure = (await store
      .put('secret.txt', 'x')
      .catch((error: unknown) => error)) as StoreRequestError;
    expect(failure).toBeInstanceOf(StoreRequestError);
    expect(failure).toMatchObject({ retryable: false, code: 'AccessDenied', statusCode: 403, attempts: 1 });
    expect(failure.message).toContain(`PutObject of ${store.url}secret.txt`);
    expect(failure.message).toContain('s3:PutObject');
    expect(sends.get('PutObjectCommand')).toBe(1);
  });

  it('retries a body cut off midway on get, not in a stream already read, and network errors', async () => {
    const { client, sends, fakes } = instrumented();
    const store = newStore({ client });
    await store.put('cut.txt', 'the whole body');
    const cutOff = () =>
      new Readable({
        read() {
          this.push(Buffer.from('the wh'));
          this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        },
      });
    fakes.set('GetObjectCommand', [{ status: 200, body: cutOff(), headers: { 'content-length': '14' } }]);
    expect((await store.get('cut.txt')).toString()).toBe('the whole body');
    expect(sends.get('GetObjectCommand')).toBe(2);
    // A stream already handed to the caller cannot be retried: it fails with a retryable error.
    fakes.set('GetObjectCommand', [{ status: 200, body: cutOff(), headers: { 'content-length': '14' } }]);
    await expect(collect(store.read('cut.txt'))).rejects.toMatchObject({
      name: 'StoreRequestError',
      code: 'ECONNRESET',
      retryable: true,
    });

    const closed = s3.newClient({ endpoint: 'http://127.0.0.1:9' });
    let attempts = 0;
    const offline = newStore({ client: closed, retry: { maxAttempts: 3 }, onRetry: () => void attempts++ });
    const failure = await offline.head('x').catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: 'StoreRequestError',
      retryable: true,
      code: 'ECONNREFUSED',
      attempts: 3,
    });
    expect(attempts).toBe(2);
  });
});

describe('registerS3Opener', () => {
  it('opens s3:// URIs as stores rooted at the object directory', async () => {
    const buckets: string[] = [];
    registerS3Opener((bucket) => {
      buckets.push(bucket);
      return s3.client;
    });
    const writer = newStore({ prefix: 'opened/dir' });
    await writer.put('file.txt', 'opened');
    const { store, key } = openUri(`s3://${s3.bucket}/opened/dir/file.txt`);
    expect([store.url, key]).toEqual([`s3://${s3.bucket}/opened/dir/`, 'file.txt']);
    expect((await store.get(key)).toString()).toBe('opened');
    const root = openUri(`s3://${s3.bucket}/opened/`);
    expect([root.store.url, root.key]).toEqual([`s3://${s3.bucket}/opened/`, '']);
    expect(buckets).toEqual([s3.bucket, s3.bucket]);
  });
});
