import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchReport } from '../../framework/runtime/embedded/streamBatch.js';
import { runStreamEmbedded } from '../../framework/runtime/embedded/streamEmbedded.js';
import { StreamCrashError } from '../../framework/stream/errors.js';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-stream-rewrite-');
afterAll(() => tmp.cleanup());

type Records = { k: string; n: number }[];
const body = (records: Records) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
function sums(records: Records): Map<string, number> {
  const out = new Map<string, number>();
  for (const { k, n } of records) out.set(k, (out.get(k) ?? 0) + n);
  return out;
}

describe('an object rewritten after it was processed', () => {
  it('is skipped, reported, and never counted twice, even when the driver stops on the batch reporting it', async () => {
    const inbox = join(tmp.dir, 'inbox');
    const output = join(tmp.dir, 'out');
    mkdirSync(inbox, { recursive: true });
    const a: Records = [
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
    ];
    const b: Records = [{ k: 'a', n: 10 }];
    writeFileSync(join(inbox, 'a.jsonl'), body(a));
    writeFileSync(join(inbox, 'b.jsonl'), body(b));
    const options = {
      stream: 'test/fixtures/jobs/stream-update.ts',
      source: inbox,
      output,
      once: true,
      threads: 1,
    };
    expect((await runStreamEmbedded(options)).batches).toBe(1);
    // a.jsonl is rewritten with other records: batch 1 takes nothing and reports it.
    writeFileSync(
      join(inbox, 'a.jsonl'),
      body([
        { k: 'a', n: 1000 },
        { k: 'z', n: 5 },
        { k: 'z', n: 5 },
      ]),
    );
    const crash = await runStreamEmbedded({
      ...options,
      crashAt: (step) => {
        if (step === 'after-offset') throw new StreamCrashError(step);
      },
    }).catch((error: unknown) => error);
    expect(crash).toBeInstanceOf(StreamCrashError);
    const reports: BatchReport[] = [];
    await runStreamEmbedded({ ...options, onBatch: (r) => reports.push(r) });
    expect(reports).toMatchObject([
      { files: 0, rewrites: [{ key: 'a.jsonl', seenBatch: 0, action: 'skipped' }] },
    ]);
    const c: Records = [{ k: 'b', n: 100 }];
    writeFileSync(join(inbox, 'c.jsonl'), body(c));
    expect((await runStreamEmbedded(options)).batches).toBe(1);
    // The snapshot: the first a.jsonl, b.jsonl and c.jsonl; the rewrite is not in it.
    const commits = readdirSync(join(output, '_checkpoint', 'commits')).sort();
    const last = JSON.parse(
      readFileSync(join(output, '_checkpoint', 'commits', commits.at(-1) ?? ''), 'utf8'),
    );
    expect(commits).toHaveLength(3);
    const snapshot = readOutput(join(output, last.published));
    expect(new Map(snapshot.records.map((r) => [r.key as string, r.value as number]))).toEqual(
      sums([...a, ...b, ...c]),
    );
    // Only the previous snapshot is kept besides the last.
    expect(readdirSync(output).filter((n) => n.startsWith('snapshot='))).toHaveLength(2);
  });
});
