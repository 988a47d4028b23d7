import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SuccessData } from '../../../framework/contract/persisted.js';
import type { OffsetEntry } from '../../../framework/contract/stream.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { commitBatch } from '../../../framework/stream/claim.js';
import { CheckpointError } from '../../../framework/stream/errors.js';
import { previousSnapshot, publishedBatch, streamPrefixes } from '../../../framework/stream/publish.js';

let dir: string;
let output: FileStore;
let checkpoint: FileStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepmr-publish-'));
  output = new FileStore(path.join(dir, 'out'));
  checkpoint = new FileStore(path.join(dir, 'checkpoint'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const stats = {
  tasks: 1,
  failedTasks: 0,
  recordsIn: 2,
  recordsOut: 2,
  bytesIn: 20,
  spills: 0,
  taskMs: 1,
  wallMs: 1,
};
function success(
  jobId: string,
  inputs: string[],
  parts: { name: string; bytes: number }[] = [],
): SuccessData {
  return {
    version: 1,
    jobId,
    job: 'sums',
    committedAt: new Date(0).toISOString(),
    inputs,
    output: 'file:///out/',
    format: 'jsonl',
    parts: parts.map((p) => ({ ...p, records: 1, sha256: 'x' })),
    records: { in: 2, out: 1 },
    bytes: { in: 20, out: 10 },
    splits: 1,
    reducers: 1,
    stages: { map: stats },
    failedSplits: [],
    badRecords: { count: 0, samples: [] },
  };
}
const file = (key: string) => ({ key, uri: `file:///in/${key}`, size: 10, version: '10-0', modified: 0 });
function entry(batch: number, keys: string[]): OffsetEntry {
  return {
    version: 1,
    stream: 'sums',
    batch,
    createdAt: new Date(0).toISOString(),
    files: keys.map(file),
    rewrites: [],
    caps: { maxFiles: 10, maxBytes: 100 },
    pending: { files: 0, bytes: 0 },
  };
}

describe('publishedBatch', () => {
  const stream = { name: 'sums', mode: 'append' as const };

  it("recognises the batch's own _SUCCESS only: its job id, over all its files", async () => {
    const e = entry(3, ['a', 'b']);
    expect(await publishedBatch(output, '', stream, e)).toBeUndefined();
    const put = (s: SuccessData) => output.put('batch=0000000003/_SUCCESS', JSON.stringify(s));
    await put(success('sums-b4', ['file:///in/a', 'file:///in/b']));
    expect(await publishedBatch(output, '', stream, e)).toBeUndefined();
    await put(success('sums-b3', ['file:///in/a']));
    expect(await publishedBatch(output, '', stream, e)).toBeUndefined();
    await output.put('batch=0000000003/_SUCCESS', '{"version":1,');
    expect(await publishedBatch(output, '', stream, e)).toBeUndefined();
    await put(success('sums-b3-r2', ['file:///in/b', 'file:///in/a']));
    expect(await publishedBatch(output, '', stream, e)).toEqual({
      jobId: 'sums-b3-r2',
      published: 'batch=0000000003/',
      records: { in: 2, out: 1 },
      bytes: { in: 20, out: 10 },
    });
    expect(await publishedBatch(output, '', stream, entry(3, []))).toBeUndefined();
  });
});

describe('previousSnapshot', () => {
  it('names the parts of the snapshot the previous commit names, and refuses a lost one', async () => {
    const at = { checkpoint, output, prefix: 'out/streams/sums/', stream: { name: 'sums' } };
    expect(await previousSnapshot({ ...at, batch: 0 })).toBeUndefined();
    await commitBatch(checkpoint, entry(0, ['a']), {
      published: 'snapshot=0000000000/',
      records: { in: 1, out: 1 },
      bytes: { in: 1, out: 1 },
    });
    const error = await previousSnapshot({ ...at, batch: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(
      /snapshot=0000000000\/ holds no _SUCCESS, so the running totals are lost/,
    );
    await output.put(
      'out/streams/sums/snapshot=0000000000/_SUCCESS',
      JSON.stringify(success('sums-b0', ['file:///in/a'], [{ name: 'part-00000.jsonl', bytes: 42 }])),
    );
    expect(await previousSnapshot({ ...at, batch: 1 })).toEqual({
      folder: 'snapshot=0000000000/',
      files: [{ uri: `${output.url}out/streams/sums/snapshot=0000000000/part-00000.jsonl`, size: 42 }],
    });
    expect(streamPrefixes('sums')).toEqual({ checkpoint: 'streams/sums/', output: 'out/streams/sums/' });
  });
});
