import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStreamEmbedded } from '../../framework/runtime/embedded/streamEmbedded.js';
import { JobFailedError } from '../../framework/runtime/errors.js';
import { FileStore } from '../../framework/store/FileStore.js';
import { readOffsets } from '../../framework/stream/checkpoint.js';
import { StreamCrashError } from '../../framework/stream/errors.js';
import { type ScoreServer, scoreOf, startScoreServer } from '../support/scoreServer.js';
import { readOutput, rng, tempDir } from './helpers.js';

/**
 * A stream whose micro-batches delegate (SAMBA's streaming usage), embedded, against a real
 * HTTP service on 127.0.0.1: waves of files arrive, `stepmr stream --once` runs after each,
 * one batch is killed while it makes its calls and run again. Every record's result is
 * published once, in input order within its batch, and a re-run batch sends the keys of the
 * first run.
 */

const STREAM = 'test/fixtures/jobs/stream-delegate.ts';
const tmp = tempDir('stepmr-stream-delegate-');
let server: ScoreServer;
beforeAll(async () => {
  server = await startScoreServer();
  process.env.STEPMR_TEST_SCORE_URL = server.url;
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

type Applicant = { id: number; x: number };
const random = rng(42);
let nextId = 0;

/** Writes a file of `n` applicants whole (a hidden name, then a rename); returns them. */
function arrive(dir: string, name: string, n: number): Applicant[] {
  const applicants = Array.from({ length: n }, () => ({ id: nextId++, x: Math.floor(random() * 100_000) }));
  writeFileSync(join(dir, `.${name}`), applicants.map((a) => `${JSON.stringify(a)}\n`).join(''));
  renameSync(join(dir, `.${name}`), join(dir, name));
  return applicants;
}

/** `stepmr stream --once` as a child process (the server answers it from this process). */
async function streamOnce(source: string, output: string): Promise<{ code: number | null; stdout: string }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/stepmr.js', 'stream', STREAM, '--source', source, '--output', output, '--once', '--threads', '2'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  return { code, stdout };
}

interface ResultLine {
  index: number;
  ok: boolean;
  status: number;
  output: unknown;
  error: unknown;
  attempts: number;
}

/** The committed batches, each with the applicants its offsets entry lists, in that order. */
async function committedBatches(output: string, inbox: string) {
  const checkpoint = new FileStore(join(output, '_checkpoint'));
  const commits = readdirSync(join(output, '_checkpoint', 'commits')).sort();
  return Promise.all(
    commits.map(async (_, batch) => {
      const entry = await readOffsets(checkpoint, 'scoring', batch);
      const records = entry.files.flatMap((f) =>
        readFileSync(join(inbox, f.key), 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Applicant),
      );
      return { batch, records };
    }),
  );
}

describe('a delegating stream', () => {
  it('publishes each record’s result once, in input order per batch, with keys stable across a re-run', async () => {
    const inbox = join(tmp.dir, 'inbox');
    const output = join(tmp.dir, 'out');
    mkdirSync(inbox, { recursive: true });
    const all: Applicant[] = [];

    // Wave 1: three files, two batches (at most 2 files a batch), through the command.
    for (const f of [0, 1, 2]) all.push(...arrive(inbox, `w0-f${f}.jsonl`, 12 + f));
    const first = await streamOnce(inbox, output);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/batch 0: 2 files.*\n.*batch 1: 1 file/);

    // Wave 2: two files, one batch, killed while its calls run (some delegate tasks ended).
    for (const f of [0, 1]) all.push(...arrive(inbox, `w1-f${f}.jsonl`, 15));
    const before = server.requests.length;
    const crash = await runStreamEmbedded({
      stream: STREAM,
      source: inbox,
      output,
      once: true,
      threads: 2,
      crashAt: (step) => {
        if (step === 'mid-calls') throw new StreamCrashError(step);
      },
    }).catch((error: unknown) => error);
    expect(crash).toBeInstanceOf(StreamCrashError);
    const crashed = server.requests.slice(before);
    expect(crashed.length).toBeGreaterThan(0);
    expect(crashed.length).toBeLessThan(30);
    expect(readdirSync(join(output, '_checkpoint', 'commits'))).toHaveLength(2);

    // The re-run, then wave 3 with one more file, through the command again.
    const rerunFrom = server.requests.length;
    all.push(...arrive(inbox, 'w2-f0.jsonl', 7));
    const second = await streamOnce(inbox, output);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/batch 2: 2 files.*resumed/);
    const rerun = server.requests.slice(rerunFrom);

    const batches = await committedBatches(output, inbox);
    expect(batches).toHaveLength(4);
    // Every applicant in exactly one committed batch.
    expect(batches.flatMap((b) => b.records.map((a) => a.id)).sort((a, b) => a - b)).toEqual(
      all.map((a) => a.id),
    );
    const keyOf = new Map<number, string>();
    for (const { batch, records } of batches) {
      const { manifest, records: published } = readOutput(
        join(output, `batch=${String(batch).padStart(10, '0')}`),
      );
      expect(manifest.jobId).toBe(`scoring-b${batch}`);
      // The batch's results in input order: one per record, as the service scores it.
      const got = (published as unknown as ResultLine[]).map(({ index, ok, status, output: o, error }) => ({
        index,
        ok,
        status,
        output: o,
        error,
      }));
      expect(got).toEqual(
        records.map((a, index) => ({
          index,
          ok: true,
          status: 200,
          output: { id: a.id, score: scoreOf(a.x) },
          error: null,
        })),
      );
      for (const [index, a] of records.entries()) keyOf.set(a.id, `scoring-b${batch}-${index}`);
    }
    // Each call carried the key of its batch and position, in the killed run and its re-run alike.
    for (const r of server.requests) expect(r.idempotencyKey).toBe(keyOf.get(r.id));
    const rerunKeys = new Map(rerun.map((r) => [r.id, r.idempotencyKey]));
    for (const r of crashed) expect(rerunKeys.get(r.id)).toBe(r.idempotencyKey);
    // One successful call per record but those of the killed run, which the re-run made again.
    const calls = new Map<number, number>();
    for (const r of server.requests) calls.set(r.id, (calls.get(r.id) ?? 0) + 1);
    const again = new Set(crashed.map((r) => r.id));
    for (const a of all) expect(calls.get(a.id)).toBe(again.has(a.id) ? 2 : 1);
  }, 180_000);

  it('fails a batch with more failed calls than calls.maxFailed allows, committing nothing, and runs it again', async () => {
    const inbox = join(tmp.dir, 'inbox-failing');
    const output = join(tmp.dir, 'out-failing');
    mkdirSync(inbox, { recursive: true });
    const applicants = arrive(inbox, 'f0.jsonl', 6);
    server.rejected.add(applicants[2]?.id ?? -1);
    const failed = await runStreamEmbedded({
      stream: STREAM,
      source: inbox,
      output,
      once: true,
      threads: 2,
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(JobFailedError);
    expect((failed as Error).message).toMatch(/batch 0 .*1 of 6 delegated calls failed.*calls\.maxFailed/);
    expect(existsSync(join(output, '_checkpoint', 'commits'))).toBe(false);
    // The service takes it now: the batch runs again, over the same file, and commits.
    server.rejected.clear();
    const summary = await runStreamEmbedded({
      stream: STREAM,
      source: inbox,
      output,
      once: true,
      threads: 2,
    });
    expect(summary.batches).toBe(1);
    const { records } = readOutput(join(output, 'batch=0000000000'));
    expect((records as unknown as ResultLine[]).map((r) => r.output)).toEqual(
      applicants.map((a) => ({ id: a.id, score: scoreOf(a.x) })),
    );
  }, 120_000);
});
