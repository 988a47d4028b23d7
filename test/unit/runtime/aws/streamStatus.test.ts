import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatStreamStatus } from '../../../../framework/cli/streamCloudCommands.js';
import { streamKeys } from '../../../../framework/contract/stream.js';
import type { DeployedStream } from '../../../../framework/deploy/streams.js';
import { sfnOrchestrator } from '../../../../framework/runtime/aws/sfnOrchestrator.js';
import { type StreamStatusDeps, streamStatus } from '../../../../framework/runtime/aws/streamStatus.js';
import { FileStore } from '../../../../framework/store/FileStore.js';
import { type Api, machineArn, startApi } from '../../engine/http/support.js';

/**
 * `stepmr stream status` of a windowed stream: the late records of the last committed batch
 * (with their positions), their total over the commit entries the checkpoint holds, and the
 * watermark the latest batch runs with; a stream without a window says it has none. The
 * checkpoint is a folder, the executions a real Step Functions API over the engine.
 */

const stream: DeployedStream = {
  name: 'clicks',
  prefix: 'in/clicks/',
  rate: 'rate(1 minute)',
  checkpoint: 'streams/clicks/',
  output: 'out/streams/clicks/',
};
const T0 = Date.parse('2026-12-01T00:00:00.000Z');

let dir: string;
let api: Api;
let deps: StreamStatusDeps;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepmr-status-'));
  api = await startApi(
    {},
    { machines: { batch: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } } },
  );
  deps = {
    store: (prefix) => new FileStore(join(dir, prefix)),
    orchestrator: sfnOrchestrator(api.sfn),
    stateMachineArn: machineArn('batch'),
    now: () => T0 + 3_600_000,
  };
});

afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

interface Batch {
  /** The watermark the batch runs with, for a windowed stream. */
  watermark?: number;
  /** Late records its commit counts, for a windowed stream; absent: not committed. */
  late?: number;
  committed: boolean;
}

/** Writes source files and checkpoint entries for `batches`, as a claim and a commit would. */
async function checkpoint(batches: Batch[]): Promise<void> {
  const at = (...parts: string[]) => join(dir, ...parts);
  await mkdir(at('in', 'clicks'), { recursive: true });
  await mkdir(at('streams', 'clicks', 'offsets'), { recursive: true });
  await mkdir(at('streams', 'clicks', 'commits'), { recursive: true });
  for (const [batch, b] of batches.entries()) {
    const key = `in/clicks/f${batch}.jsonl`;
    await writeFile(at(key), '{}\n');
    const windowed = b.watermark !== undefined;
    const offsets = {
      version: 1,
      stream: 'clicks',
      batch,
      createdAt: new Date(T0 + batch * 60_000).toISOString(),
      files: [
        { key, uri: `file://${at(key)}`, size: 3, version: `v${batch}`, modified: T0 + batch * 60_000 },
      ],
      rewrites: [],
      caps: { maxFiles: 1000, maxBytes: 1 << 30 },
      pending: { files: 0, bytes: 0 },
      ...(windowed ? { eventTime: { max: (b.watermark as number) + 1000, watermark: b.watermark } } : {}),
    };
    await writeFile(at('streams', 'clicks', streamKeys.offsets(batch)), JSON.stringify(offsets));
    if (!b.committed) continue;
    const samples = Array.from({ length: Math.min(b.late ?? 0, 2) }, (_, i) => ({
      uri: `file://${at(key)}`,
      offset: i * 3,
      line: i + 1,
    }));
    const commit = {
      version: 1,
      stream: 'clicks',
      batch,
      committedAt: new Date(T0 + batch * 60_000 + 5000).toISOString(),
      records: { in: 1, out: 1 },
      bytes: { in: 3, out: 3 },
      ...(windowed ? { eventTime: { max: (b.watermark as number) + 1000, late: b.late ?? 0, samples } } : {}),
    };
    await writeFile(at('streams', 'clicks', streamKeys.commits(batch)), JSON.stringify(commit));
  }
}

describe('streamStatus: late records and watermark', () => {
  it('shows the last committed batch’s late records, their total over the commits, and the latest watermark', async () => {
    const batches: Batch[] = [
      { watermark: T0, late: 4, committed: true },
      { watermark: T0 + 60_000, late: 0, committed: true },
      { watermark: T0 + 120_000, late: 3, committed: true },
      { watermark: T0 + 180_000, committed: false },
    ];
    await checkpoint(batches);
    const status = await streamStatus(stream, deps);

    const committed = batches.filter((b) => b.committed);
    const total = committed.reduce((n, b) => n + (b.late ?? 0), 0);
    expect(status.lastCommitted).toBe(committed.length - 1);
    expect(status.late?.lastBatch).toBe(batches[committed.length - 1]?.late);
    expect(status.late?.total).toBe(total);
    expect(status.late?.commits).toBe(committed.length);
    expect(status.late?.samples.map((s) => s.line)).toEqual([1, 2]);
    expect(status.watermark).toBe(batches.at(-1)?.watermark);

    const text = formatStreamStatus(status);
    expect(text).toContain(
      `late records          3 in the last committed batch, ${total} over the last 3 commits`,
    );
    expect(text).toContain(`${join(dir, 'in/clicks/f2.jsonl')} line 2 (byte 3)`);
    expect(text).toContain(`watermark             ${new Date(T0 + 180_000).toISOString()}`);
  });

  it('says a stream without a window has no late records and no watermark', async () => {
    await checkpoint([{ committed: true }, { committed: true }]);
    const status = await streamStatus(stream, deps);
    expect(status.lastCommitted).toBe(1);
    expect(status.late).toBeUndefined();
    expect(status.watermark).toBeUndefined();
    expect(formatStreamStatus(status)).toContain(
      'late records          none (the stream has no event-time window)',
    );
  });
});
