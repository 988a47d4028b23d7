import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamKeys } from '../../../framework/contract/stream.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { COMPACT_EVERY, readCheckpoint } from '../../../framework/stream/checkpoint.js';
import {
  type Claim,
  type ClaimRequest,
  claimNextBatch,
  commitBatch,
} from '../../../framework/stream/claim.js';
import { CheckpointError } from '../../../framework/stream/errors.js';

let dir: string;
let inbox: string;
let checkpoint: FileStore;
let request: ClaimRequest;
const published = new Set<number>();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepmr-claim-'));
  inbox = path.join(dir, 'inbox');
  checkpoint = new FileStore(path.join(dir, 'checkpoint'));
  published.clear();
  request = {
    stream: 'clicks',
    checkpoint,
    source: { store: new FileStore(inbox), prefix: '' },
    caps: { maxFiles: 100, maxBytes: 1 << 30 },
    published: async (entry) =>
      published.has(entry.batch) ? { records: { in: 1, out: 1 }, bytes: { in: 1, out: 1 } } : undefined,
  };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Writes `name` with `bytes` bytes, modified `age` seconds after a fixed time. */
async function arrive(name: string, bytes = 10, age = 0): Promise<void> {
  const file = path.join(inbox, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, 'x'.repeat(bytes));
  const time = new Date(Date.UTC(2026, 0, 1) + age * 1000);
  await utimes(file, time, time);
}

/** Commits a claimed batch (its output is not the point here). */
async function commit(claim: Claim | undefined): Promise<void> {
  if (!claim) throw new Error('expected a claim');
  await commitBatch(checkpoint, claim.entry, { records: { in: 0, out: 0 }, bytes: { in: 0, out: 0 } });
}

/** Claims, then commits, every batch until nothing is left; returns each batch's keys. */
async function drain(req: ClaimRequest = request, from = 0): Promise<string[][]> {
  const batches: string[][] = [];
  for (let claim = await claimNextBatch(req); claim; claim = await claimNextBatch(req)) {
    expect(claim.batch).toBe(from + batches.length);
    batches.push(claim.files.map((f) => f.key));
    await commit(claim);
  }
  return batches;
}

describe('claimNextBatch', () => {
  it('takes the unseen objects oldest first, and a re-claim of an uncommitted batch gets the same list', async () => {
    await arrive('b.jsonl', 10, 1);
    await arrive('a.jsonl', 10, 2);
    await arrive('c/d.jsonl', 10, 0);
    const first = await claimNextBatch(request);
    expect(first?.files.map((f) => f.key)).toEqual(['c/d.jsonl', 'b.jsonl', 'a.jsonl']);
    expect(first?.resumed).toBe(false);
    await arrive('late.jsonl', 10, 3);
    const again = await claimNextBatch(request);
    expect(again).toMatchObject({ batch: 0, resumed: true });
    expect(again?.files).toEqual(first?.files);
    await commit(again);
    const next = await claimNextBatch(request);
    expect(next).toMatchObject({ batch: 1, resumed: false });
    expect(next?.files.map((f) => f.key)).toEqual(['late.jsonl']);
    await commit(next);
    expect(await claimNextBatch(request)).toBeUndefined();
  });

  it('cuts a batch of no objects for a windowed stream only when its watermark moved and windows are open', async () => {
    let open = true;
    const asked: string[] = [];
    const windowed: ClaimRequest = {
      ...request,
      watermarkDelayMs: 5,
      openWindows: async (folder) => {
        asked.push(folder);
        return open;
      },
    };
    /** Commits a claimed batch that saw event times up to `max`, its open windows in `state`. */
    const commitSeen = async (claim: Claim | undefined, max: number | undefined, state: string) => {
      if (!claim) throw new Error('expected a claim');
      await commitBatch(checkpoint, claim.entry, {
        records: { in: 0, out: 0 },
        bytes: { in: 0, out: 0 },
        eventTime: { ...(max === undefined ? {} : { max }), late: 0, samples: [] },
        state,
      });
    };
    await arrive('a.jsonl');
    const first = await claimNextBatch(windowed);
    expect(first).toMatchObject({ batch: 0, closesWindows: false });
    expect(first?.entry.eventTime).toEqual({});
    await commitSeen(first, 100, '_state/batch=0000000000/');
    // Batch 0 saw event time 100 and ran with no watermark: the next one runs with 95.
    const closing = await claimNextBatch(windowed);
    expect(closing).toMatchObject({ batch: 1, closesWindows: true, files: [] });
    expect(closing?.entry).toMatchObject({ closesWindows: true, eventTime: { max: 100, watermark: 95 } });
    expect(asked).toEqual(['_state/batch=0000000000/']);
    // Re-claimed while uncommitted: the same batch again.
    expect(await claimNextBatch(windowed)).toMatchObject({ batch: 1, closesWindows: true, resumed: true });
    await commitSeen(closing, undefined, '_state/batch=0000000001/');
    // Its watermark stays 95 while nothing new arrives: nothing more to close.
    expect(await claimNextBatch(windowed)).toBeUndefined();
    await arrive('b.jsonl');
    const data = await claimNextBatch(windowed);
    expect(data).toMatchObject({ batch: 2, closesWindows: false });
    await commitSeen(data, 130, '_state/batch=0000000002/');
    // The watermark moved (125), but no window is open.
    open = false;
    expect(await claimNextBatch(windowed)).toBeUndefined();
    // A stream without windows never gets one.
    open = true;
    const { watermarkDelayMs: _delay, ...unwindowed } = windowed;
    expect(await claimNextBatch(unwindowed)).toBeUndefined();
    const { openWindows: _open, ...unasked } = windowed;
    expect(await claimNextBatch(unasked)).toBeUndefined();
    const last = await claimNextBatch(windowed);
    expect(last).toMatchObject({
      batch: 3,
      closesWindows: true,
      entry: { eventTime: { max: 130, watermark: 125 } },
    });
  });

  it('skips hidden names (files being written, markers)', async () => {
    await arrive('.part.tmp');
    await arrive('_SUCCESS');
    await arrive('sub/_temp/x.jsonl');
    await arrive('ok.jsonl');
    expect(await drain()).toEqual([['ok.jsonl']]);
  });

  it('spreads a backlog over consecutive batches by the file and byte caps', async () => {
    const sizes = [5, 5, 5, 50, 5, 5, 200, 5];
    for (const [i, size] of sizes.entries()) await arrive(`f${i}`, size, i);
    const batches = await drain({ ...request, caps: { maxFiles: 3, maxBytes: 60 } });
    // An independent cut: oldest first, at most 3 files and 60 bytes, a lone big file alone.
    const expected: string[][] = [];
    let current: string[] = [];
    let bytes = 0;
    for (const [i, size] of sizes.entries()) {
      if (current.length === 3 || (current.length > 0 && bytes + size > 60)) {
        expected.push(current);
        current = [];
        bytes = 0;
      }
      current.push(`f${i}`);
      bytes += size;
    }
    expected.push(current);
    expect(batches).toEqual(expected);
    expect(batches.flat().sort()).toEqual(sizes.map((_, i) => `f${i}`).sort());
  });

  it('gives a batch to exactly one of many concurrent claimers', async () => {
    for (let i = 0; i < 5; i++) await arrive(`f${i}`);
    const claims = await Promise.all(Array.from({ length: 24 }, () => claimNextBatch(request)));
    const winners = claims.filter((c) => c?.resumed === false);
    expect(winners).toHaveLength(1);
    for (const claim of claims) if (claim) expect(claim.files).toEqual(winners[0]?.files);
    const offsets: string[] = [];
    for await (const { key } of checkpoint.list('offsets/')) offsets.push(key);
    expect(offsets).toEqual([streamKeys.offsets(0)]);
  });

  it('commits a batch whose output was published before the driver stopped, and goes on', async () => {
    await arrive('a');
    const first = await claimNextBatch(request);
    published.add(0);
    await arrive('b', 10, 5);
    const next = await claimNextBatch(request);
    expect(next).toMatchObject({ batch: 1, resumed: false });
    expect(next?.files.map((f) => f.key)).toEqual(['b']);
    expect(first?.batch).toBe(0);
    expect((await readCheckpoint(checkpoint, 'clicks')).latest?.batch).toBe(1);
    expect(await checkpoint.head(streamKeys.commits(0))).toBeDefined();
  });

  it('skips an object rewritten after it was processed, and reports it once', async () => {
    await arrive('a', 10, 0);
    await arrive('b', 10, 0);
    expect(await drain()).toEqual([['a', 'b']]);
    await arrive('a', 12, 10);
    const claim = await claimNextBatch(request);
    expect(claim?.files).toEqual([]);
    expect(claim?.entry.rewrites).toMatchObject([{ key: 'a', seenBatch: 0, action: 'skipped' }]);
    await commit(claim);
    expect(await claimNextBatch(request)).toBeUndefined();
  });

  it('takes a rewritten object again when the stream opts into reprocessing', async () => {
    await arrive('a', 10, 0);
    expect(await drain()).toEqual([['a']]);
    await arrive('a', 12, 10);
    const claim = await claimNextBatch({ ...request, rewrites: 'reprocess' });
    expect(claim?.files.map((f) => [f.key, f.size])).toEqual([['a', 12]]);
    expect(claim?.entry.rewrites).toMatchObject([{ key: 'a', seenBatch: 0, action: 'reprocessed' }]);
    await commit(claim);
    expect(await drain({ ...request, rewrites: 'reprocess' }, 2)).toEqual([]);
  });

  it('compacts the seen set so a claim reads a bounded number of entries, and still never retakes', async () => {
    const total = 3 * COMPACT_EVERY + 4;
    for (let i = 0; i < total; i++) {
      await arrive(`f${String(i).padStart(3, '0')}`, 10, i);
      const claim = await claimNextBatch(request);
      expect(claim?.files.map((f) => f.key)).toEqual([`f${String(i).padStart(3, '0')}`]);
      await commit(claim);
    }
    expect(await claimNextBatch(request)).toBeUndefined();
    const count = async (folder: string) => {
      let n = 0;
      for await (const _ of checkpoint.list(folder)) n++;
      return n;
    };
    expect(await count('compact/')).toBeLessThanOrEqual(2);
    expect(await count('offsets/')).toBeLessThanOrEqual(2 * COMPACT_EVERY + 1);
    const state = await readCheckpoint(checkpoint, 'clicks');
    expect(state.seen.size).toBe(total);
    expect(state.latest?.batch).toBe(total - 1);
  });

  it('refuses a checkpoint of another stream, and a malformed entry, naming the entry', async () => {
    await arrive('a');
    await claimNextBatch(request);
    await expect(claimNextBatch({ ...request, stream: 'other' })).rejects.toThrow(CheckpointError);
    await checkpoint.put(streamKeys.offsets(1), '{"version":1}');
    await expect(claimNextBatch(request)).rejects.toThrow(/offsets\/0000000001 is malformed/);
  });
});
