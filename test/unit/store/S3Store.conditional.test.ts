import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultFilter } from '../../../framework/runtime/offline/faults.js';
import { startFrontDoor } from '../../../framework/runtime/offline/frontDoor.js';
import { ConditionalRequestConflictError, PreconditionFailedError } from '../../../framework/store/errors.js';
import { S3Store } from '../../../framework/store/S3Store.js';
import type { RetryEvent } from '../../../framework/store/s3Retry.js';
import { type S3rverFixture, startS3rver, storeMaker } from '../../support/s3rver.js';
import { writerBytes } from '../../support/storeWriter.js';

/** s3rver behind the offline cloud's proxy that enforces If-None-Match and If-Match. */
let s3: S3rverFixture;
beforeAll(async () => {
  s3 = await startS3rver({ conditionalWrites: true });
});
afterAll(async () => {
  await s3?.stop();
});

const newStore = storeMaker(() => s3, 'c');

const md5 = (bytes: Buffer | string) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('S3Store conditional writes against s3rver behind the conditional write proxy', () => {
  it('puts if absent once and leaves the object as it was on the second try, without retrying', async () => {
    const events: RetryEvent[] = [];
    const store = newStore({ onRetry: (event) => events.push(event) });
    const etag = await store.putIfAbsent('log/0.json', '{"n":0}');
    expect(etag).toBe(md5('{"n":0}'));
    const error = await failure(store.putIfAbsent('log/0.json', 'other'));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({
      retryable: false,
      condition: 'absent',
      location: `${store.url}log/0.json`,
    });
    expect(await store.getVersioned('log/0.json')).toEqual({ body: Buffer.from('{"n":0}'), etag });
    expect(events).toEqual([]);
  });

  it('swaps only from the current etag, chains with the etag it returns, and fails on a missing object', async () => {
    const store = newStore();
    const first = await store.putIfAbsent('c', 'one');
    const second = await store.compareAndSwap('c', first, 'two');
    expect(second).toBe(md5('two'));
    const stale = await failure(store.compareAndSwap('c', first, 'three'));
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((stale as Error).message).toContain(first);
    expect(await store.compareAndSwap('c', second, 'three')).toBe(md5('three'));
    expect((await store.get('c')).toString()).toBe('three');
    const missing = await failure(store.compareAndSwap('missing', first, 'x'));
    expect(missing).toBeInstanceOf(PreconditionFailedError);
    expect(await store.head('missing')).toBeUndefined();
  });

  it('puts a stream past one part (multipart) only if absent, with the condition on CompleteMultipartUpload', async () => {
    const store = newStore();
    const big = randomBytes(9 * 1024 * 1024);
    const etag = await store.putIfAbsent('big.bin', Readable.from([big]));
    expect(await store.getVersioned('big.bin')).toEqual({ body: big, etag });
    const again = await failure(store.putIfAbsent('big.bin', Readable.from([randomBytes(9 * 1024 * 1024)])));
    expect(again).toBeInstanceOf(PreconditionFailedError);
    const stale = await failure(
      store.compareAndSwap('big.bin', md5('x'), Readable.from([Buffer.alloc(9e6)])),
    );
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((await store.get('big.bin')).equals(big)).toBe(true);
  });

  it('has exactly one winner among 50 SDK clients racing on a key, round after round', async () => {
    const clients = Array.from({ length: 50 }, () => s3.newClient());
    const root = newStore();
    const stores = clients.map((client) => new S3Store({ client, bucket: s3.bucket, prefix: root.prefix }));
    for (let round = 0; round < 4; round += 1) {
      const key = `race/${round}`;
      const outcomes = await Promise.allSettled(
        stores.map((store, writer) => store.putIfAbsent(key, writerBytes(writer, round))),
      );
      const winners = outcomes.flatMap((outcome, writer) => (outcome.status === 'fulfilled' ? [writer] : []));
      expect(winners, key).toHaveLength(1);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
      expect((await root.get(key)).equals(writerBytes(winners[0] ?? -1, round))).toBe(true);
    }
  });

  it('counts exactly with 20 SDK clients looping read, compare-and-swap, retry', async () => {
    const root = newStore();
    await root.putIfAbsent('counter', '0');
    const writers = 20;
    const each = 3;
    let conflicts = 0;
    const loop = async () => {
      const store = new S3Store({ client: s3.newClient(), bucket: s3.bucket, prefix: root.prefix });
      for (let done = 0; done < each; ) {
        const { body, etag } = await store.getVersioned('counter');
        const error = await failure(
          store.compareAndSwap('counter', etag, String(Number(body.toString()) + 1)),
        );
        if (error === undefined) done += 1;
        else if (error instanceof PreconditionFailedError) conflicts += 1;
        else throw error;
      }
    };
    await Promise.all(Array.from({ length: writers }, loop));
    expect((await root.get('counter')).toString()).toBe(String(writers * each));
    expect(conflicts).toBeGreaterThan(0); // the writers did race
  });

  it('retries 409 ConditionalRequestConflict on a PutObject, then gives up with a retryable error', async () => {
    const conflict = {
      status: 409,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting operation occurred.</Message></Error>',
    };
    const everyOther = await startFrontDoor({ target: s3.endpoint, filters: [faultFilter(2, conflict)] });
    const always = await startFrontDoor({ target: s3.endpoint, filters: [faultFilter(1, conflict)] });
    try {
      const events: RetryEvent[] = [];
      const client = s3.newClient({ endpoint: everyOther.endpoint });
      const store = newStore({ client, onRetry: (event) => events.push(event) });
      await store.head('k'); // request 1 passes; the put's first attempt is request 2
      expect(await store.putIfAbsent('k', 'v')).toBe(md5('v'));
      expect(events.map((event) => [event.operation, event.attempt])).toEqual([['PutObject', 1]]);
      const blocked = newStore({
        client: s3.newClient({ endpoint: always.endpoint }),
        retry: { maxAttempts: 3 },
      });
      const error = await failure(blocked.putIfAbsent('k2', 'v'));
      expect(error).toBeInstanceOf(ConditionalRequestConflictError);
      expect(error).toMatchObject({ retryable: true, name: 'ConditionalRequestConflictError' });
      expect((error as Error).message).toContain('after 3 attempts');
    } finally {
      await everyOther.close();
      await always.close();
    }
  });
});

describe('s3rver without the proxy', () => {
  it('ignores If-None-Match and overwrites, which is why the offline cloud puts the proxy in front', async () => {
    const direct = s3.newClient({ endpoint: s3.s3rverEndpoint });
    const put = (body: string) =>
      direct.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'bare/k', Body: body, IfNoneMatch: '*' }));
    await put('first');
    await put('second');
    const object = await direct.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'bare/k' }));
    expect(await object.Body?.transformToString()).toBe('second');
  });
});
