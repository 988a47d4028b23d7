import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamKeys } from '../../../framework/contract/stream.js';
import { S3Store } from '../../../framework/store/S3Store.js';
import { type ClaimRequest, claimNextBatch, commitBatch } from '../../../framework/stream/claim.js';
import { type S3rverFixture, startS3rver } from '../../support/s3rver.js';

/** s3rver behind the offline cloud's proxy that enforces If-None-Match and If-Match, as S3 does. */
let s3: S3rverFixture;
beforeAll(async () => {
  s3 = await startS3rver({ conditionalWrites: true });
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

let streams = 0;
/** A stream of its own: a data-bucket store and its checkpoint prefix, each claimer with its own client. */
function newStream() {
  streams += 1;
  const name = `s${streams}`;
  const store = (prefix: string) =>
    new S3Store({
      client: s3.newClient(),
      bucket: s3.bucket,
      prefix,
      deps: { sleep: async () => {}, random: Math.random },
    });
  const data = store('');
  const claimer = (): ClaimRequest => ({
    stream: name,
    checkpoint: store(`streams/${name}/`),
    source: { store: store(''), prefix: `in/${name}/` },
    caps: { maxFiles: 4, maxBytes: 1 << 20 },
    published: async () => undefined,
  });
  return { name, data, claimer };
}

describe('claimNextBatch on S3 (the offline S3 enforcing conditional writes)', () => {
  it('gives each batch to exactly one of many concurrent claimers, each with its own client', async () => {
    const { name, data, claimer } = newStream();
    for (let i = 0; i < 10; i++) await data.put(`in/${name}/f${i}.jsonl`, `{"n":${i}}\n`);
    const taken = new Map<string, number>();
    for (let batch = 0; batch < 3; batch++) {
      const claims = await Promise.all(Array.from({ length: 12 }, () => claimNextBatch(claimer())));
      const winners = claims.filter((c) => c?.resumed === false);
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      if (!winner) throw new Error('no winner');
      expect(winner.batch).toBe(batch);
      for (const claim of claims) if (claim) expect(claim.files).toEqual(winner.files);
      for (const file of winner.files) {
        expect(taken.has(file.key)).toBe(false);
        taken.set(file.key, batch);
        // The version on S3 is the object's ETag.
        expect(file.version).toMatch(/^"[0-9a-f]{32}"$/);
        expect(file.uri).toBe(`s3://${s3.bucket}/${file.key}`);
      }
      await commitBatch(claimer().checkpoint, winner.entry, {
        records: { in: 0, out: 0 },
        bytes: { in: 0, out: 0 },
      });
    }
    expect([...taken.keys()].sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `in/${name}/f${i}.jsonl`).sort(),
    );
    expect(await claimNextBatch(claimer())).toBeUndefined();
  });

  it('detects an object rewritten under its key by its ETag, and skips it', async () => {
    const { name, data, claimer } = newStream();
    await data.put(`in/${name}/a.jsonl`, '{"n":1}\n');
    const first = await claimNextBatch(claimer());
    if (!first) throw new Error('no claim');
    await commitBatch(claimer().checkpoint, first.entry, {
      records: { in: 0, out: 0 },
      bytes: { in: 0, out: 0 },
    });
    await data.put(`in/${name}/a.jsonl`, '{"n":2}\n');
    const second = await claimNextBatch(claimer());
    expect(second?.files).toEqual([]);
    expect(second?.entry.rewrites).toMatchObject([
      { key: `in/${name}/a.jsonl`, seenBatch: 0, action: 'skipped' },
    ]);
    expect(await data.head(`streams/${name}/${streamKeys.offsets(1)}`)).toBeDefined();
  });
});
