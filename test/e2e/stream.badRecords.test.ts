import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStreamEmbedded } from '../../framework/runtime/embedded/streamEmbedded.js';
import { JobFailedError } from '../../framework/runtime/errors.js';
import { readOutput, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-stream-bad-');
afterAll(() => tmp.cleanup());

const lines = ['{"k":"a","n":1}', '{"k":"a",', '{"k":"b","n":2}', '{"k":"a","n":3}'];

describe('a malformed record in a stream', () => {
  it('fails the batch by default, which stays claimed and uncommitted, saying what to do', async () => {
    const inbox = join(tmp.dir, 'fail-in');
    const output = join(tmp.dir, 'fail-out');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'a.jsonl'), `${lines.join('\n')}\n`);
    const options = {
      stream: 'test/fixtures/jobs/stream-append.ts',
      source: inbox,
      output,
      once: true,
      threads: 1,
    };
    const error = await runStreamEmbedded(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toMatch(
      /stream sums, batch 0 \(1 files\): .*runs again over the same files/,
    );
    expect(existsSync(join(output, '_checkpoint', 'offsets', '0000000000'))).toBe(true);
    expect(existsSync(join(output, '_checkpoint', 'commits', '0000000000'))).toBe(false);
    expect(existsSync(join(output, 'batch=0000000000'))).toBe(false);
  });

  it("is skipped and counted with badRecords: 'skip'", async () => {
    const inbox = join(tmp.dir, 'skip-in');
    const output = join(tmp.dir, 'skip-out');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'a.jsonl'), `${lines.join('\n')}\n`);
    await runStreamEmbedded({
      stream: 'test/fixtures/jobs/stream-skip.ts',
      source: inbox,
      output,
      once: true,
      threads: 1,
    });
    const out = readOutput(join(output, 'batch=0000000000'));
    expect(new Map(out.records.map((r) => [r.key, r.value]))).toEqual(
      new Map([
        ['a', 4],
        ['b', 2],
      ]),
    );
    expect(out.manifest.badRecords).toMatchObject({ count: 1 });
  });
});
