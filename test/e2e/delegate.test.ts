import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunOptions, redriveEmbedded, runEmbedded } from '../../framework/index.js';
import { JobFailedError } from '../../framework/runtime/errors.js';
import { type ScoreServer, scoreOf, startScoreServer } from '../support/scoreServer.js';
import { readOutput, rng, tempDir } from './helpers.js';

/**
 * Delegate jobs, embedded, against a real HTTP service on 127.0.0.1: the result dataset is one
 * result per input record in input order across many splits and batches, failed calls are
 * results up to --max-failed, and a redrive calls only the failed ones again.
 */

const tmp = tempDir('stepmr-delegate-');
let server: ScoreServer;
const SCORE = 'test/fixtures/jobs/delegate-score.ts';
const BANDS = 'test/fixtures/jobs/delegate-bands.ts';

/** Three JSON Lines files of applicants with distinct ids; the records, in input order. */
function makeInputs(): { files: string[]; applicants: { id: number; x: number }[] } {
  const random = rng(15);
  const applicants: { id: number; x: number }[] = [];
  const files = [0, 1, 2].map((f) => {
    const mine = Array.from({ length: f === 2 ? 120 : 100 }, () => ({
      id: 0,
      x: Math.floor(random() * 100_000),
    }));
    for (const a of mine) {
      a.id = applicants.length;
      applicants.push(a);
    }
    const path = join(tmp.dir, `applicants-${f}.jsonl`);
    writeFileSync(path, mine.map((a) => `${JSON.stringify(a)}\n`).join(''));
    return path;
  });
  return { files, applicants };
}

const inputs = makeInputs();
// Small splits (about 40 records each) and batches, so that indexes cross splits and batches.
const small = { splitSize: 1024, splitsPerTask: 2, callsPerTask: 16, concurrency: 8, threads: 2 } as const;

beforeAll(async () => {
  server = await startScoreServer();
  process.env.STEPMR_TEST_SCORE_URL = server.url;
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});
beforeEach(() => server.reset());

let outputs = 0;
function run(job: string, options: RunOptions & { threads?: number } = {}) {
  const output = join(tmp.dir, `out-${outputs++}`);
  return { output, done: runEmbedded({ job, inputs: inputs.files, output, ...small, ...options }) };
}

interface ResultLine {
  index: number;
  ok: boolean;
  status: number;
  output: unknown;
  error: { name: string; message: string } | null;
  attempts: number;
  ms: number;
}

/** The result records of an output, without the timing (which differs between runs). */
function results(output: string): Omit<ResultLine, 'ms'>[] {
  return (readOutput(output).records as unknown as ResultLine[]).map(({ ms, ...rest }) => {
    expect(ms).toBeGreaterThanOrEqual(0);
    return rest;
  });
}

/** What a clean run must publish, computed from the inputs alone. */
function expected(attempts: (id: number) => number = () => 1) {
  return inputs.applicants.map((a, index) => ({
    index,
    ok: true,
    status: 200,
    output: { id: a.id, score: scoreOf(a.x) },
    error: null,
    attempts: attempts(a.id),
  }));
}

describe('a delegate job without map or reduce', () => {
  it('publishes one result per input record, in input order, with the calls counted as the server saw them', async () => {
    for (const id of [3, 77, 150, 151, 299]) server.throttledOnce.add(id);
    const { output, done } = run(SCORE);
    const summary = await done;
    const manifest = summary.manifest;
    expect(manifest.splits).toBeGreaterThan(5);
    expect(manifest.parts.length).toBeGreaterThan(5);
    expect(manifest.bytes.in).toBe(inputs.files.reduce((n, f) => n + statSync(f).size, 0));
    expect(results(output)).toEqual(expected((id) => (server.throttledOnce.has(id) ? 2 : 1)));
    // Exactly one successful request per record, and the same key on every attempt of a call.
    const served = server.requests.filter((r) => r.status === 200).map((r) => r.id);
    expect(served.sort((a, b) => a - b)).toEqual(inputs.applicants.map((a) => a.id));
    for (const id of server.throttledOnce) {
      const keys = server.requests.filter((r) => r.id === id).map((r) => r.idempotencyKey);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe(keys[1]);
      expect(keys[0]).toBe(`${manifest.jobId}-${id}`);
    }
    const throttled = server.requests.filter((r) => r.status === 503).length;
    expect(manifest.delegate).toMatchObject({
      calls: inputs.applicants.length,
      ok: inputs.applicants.length,
      failed: 0,
      retries: server.requests.length - inputs.applicants.length,
      throttles: throttled,
    });
    const latency = manifest.delegate?.latencyMs;
    expect(latency && latency.p50 <= latency.p95 && latency.p95 <= latency.p99).toBe(true);
    expect(existsSync(join(output, '_temporary'))).toBe(false);
  }, 120_000);
});

describe('--max-failed', () => {
  const failing = [5, 90, 91, 200];
  it('publishes failed calls as results when exactly as many fail as allowed', async () => {
    for (const id of failing) server.rejected.add(id);
    const { output, done } = run(SCORE, { maxFailed: { count: failing.length } });
    const { manifest } = await done;
    const want = expected().map((r) =>
      failing.includes(r.index) ? { ...r, ok: false, status: 400, output: { message: 'status 400' } } : r,
    );
    const got = results(output);
    expect(got.map(({ error, ...r }) => r)).toEqual(want.map(({ error, ...r }) => r));
    for (const r of got) expect(r.error === null).toBe(r.ok);
    expect(manifest.delegate).toMatchObject({ ok: 316, failed: failing.length, maxFailed: 4, retries: 0 });
    // A 400 is not retried: one request per failed call.
    expect(server.requests.filter((r) => r.status === 400)).toHaveLength(failing.length);
  }, 120_000);

  it('fails the job, publishing nothing, when one more fails than allowed', async () => {
    for (const id of failing) server.rejected.add(id);
    const { output, done } = run(SCORE, { maxFailed: { count: failing.length - 1 } });
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toMatch(
      /4 of 320 delegated calls failed, more than --max-failed allows \(3\)/,
    );
    expect(existsSync(output)).toBe(false);
  }, 120_000);

  it('takes a percentage of all calls, rounded down', async () => {
    for (const id of failing) server.rejected.add(id);
    // 1.25% of 320 calls is 4: allowed; 1.2% is 3.84, so 3: one too many.
    await expect(run(SCORE, { maxFailed: { percent: 1.25 } }).done).resolves.toBeDefined();
    await expect(run(SCORE, { maxFailed: { percent: 1.2 } }).done).rejects.toBeInstanceOf(JobFailedError);
  }, 120_000);
});

describe('Step Functions limits', () => {
  it('batches large tasks by bytes (256 KiB per batch), keeping every result in input order', async () => {
    const pad = 'p'.repeat(60_000);
    const big = Array.from({ length: 12 }, (_, id) => ({ id, x: id * 7, pad }));
    const file = join(tmp.dir, 'big.jsonl');
    writeFileSync(file, big.map((a) => `${JSON.stringify(a)}\n`).join(''));
    const output = join(tmp.dir, `out-${outputs++}`);
    const { manifest } = await runEmbedded({
      job: SCORE,
      inputs: [file],
      output,
      threads: 2,
      callsPerTask: 100,
    });
    // At most 4 tasks of 60 KB fit in a batch: at least 3 batches, each a part.
    expect(manifest.parts.length).toBeGreaterThanOrEqual(3);
    expect(results(output)).toEqual(
      big.map((a, index) => ({
        index,
        ok: true,
        status: 200,
        output: { id: a.id, score: scoreOf(a.x) },
        error: null,
        attempts: 1,
      })),
    );
  }, 120_000);
});

describe('a task past Step Functions’ 256 KiB', () => {
  it('fails the job naming the record and what to do, before any call', async () => {
    const file = join(tmp.dir, 'huge.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ id: 0, x: 1 })}\n${JSON.stringify({ id: 1, x: 2, pad: 'p'.repeat(300_000) })}\n`,
    );
    const output = join(tmp.dir, `out-${outputs++}`);
    const error = await runEmbedded({ job: SCORE, inputs: [file], output, threads: 2 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toMatch(/huge\.jsonl line 2.*task of 29\d KiB.*send a reference/);
    expect(server.requests).toHaveLength(0);
  }, 60_000);
});

describe('--concurrency and --rate', () => {
  it('hold for the whole job, across its delegate tasks running at once', async () => {
    // 40 calls in flight: two tasks of 20, each of whose calls takes up to 20 ms on the server.
    const slow = await startScoreServer(20);
    process.env.STEPMR_TEST_SCORE_URL = slow.url;
    try {
      await run(SCORE, { concurrency: 40, callsPerTask: 60, threads: 3 }).done;
      expect(slow.maxInFlight()).toBeLessThanOrEqual(40);
      expect(slow.maxInFlight()).toBeGreaterThan(20);
      slow.reset();
      await run(SCORE, { concurrency: 40, ratePerSecond: 100, callsPerTask: 60, threads: 3 }).done;
      // No second's calls were more than 100. The server sees arrivals, which lag the starts by
      // up to some ms of connection and scheduling, so calls started within one second arrive
      // within a little more: count them in windows of 900 ms.
      const at = slow.arrivals.sort((a, b) => a - b);
      let most = 0;
      for (let i = 0, j = 0; i < at.length; i++) {
        while ((at[i] ?? 0) - (at[j] ?? 0) >= 900) j++;
        most = Math.max(most, i - j + 1);
      }
      expect(at).toHaveLength(inputs.applicants.length);
      expect(most).toBeLessThanOrEqual(100);
    } finally {
      process.env.STEPMR_TEST_SCORE_URL = server.url;
      await slow.close();
    }
  }, 120_000);
});

describe('--tolerate', () => {
  it('is refused for a delegate job, before any call, pointing to --max-failed', async () => {
    const { output, done } = run(SCORE, { tolerate: { count: 1 } });
    await expect(done).rejects.toMatchObject({
      name: 'InvalidOptionError',
      message: expect.stringContaining('--max-failed'),
    });
    expect(server.requests).toHaveLength(0);
    expect(existsSync(output)).toBe(false);
  });
});

describe('stepmr redrive of a delegate job', () => {
  it('calls only the failed calls again and publishes the dataset of a clean run', async () => {
    const failing = [0, 41, 42, 319];
    for (const id of failing) server.rejected.add(id);
    const { output, done } = run(SCORE, { maxFailed: { count: 10 } });
    const first = await done;
    expect(first.manifest.delegate?.failed).toBe(failing.length);
    server.rejected.clear();
    server.requests.length = 0;
    const redriven = await redriveEmbedded({ output, threads: 2 });
    expect(server.requests.map((r) => r.id).sort((a, b) => a - b)).toEqual(failing);
    // The calls keep the first run's idempotency keys.
    for (const r of server.requests) expect(r.idempotencyKey).toBe(`${first.manifest.jobId}-${r.id}`);
    expect(results(output)).toEqual(expected());
    expect(redriven.manifest.delegate).toMatchObject({ calls: failing.length, ok: 320, failed: 0 });
    expect(redriven.manifest.redriveOf).toBe(first.manifest.jobId);
    expect(existsSync(join(output, '_temporary'))).toBe(false);
    // The same dataset as a clean run: same parts, byte for byte but the timings.
    const clean = run(SCORE);
    await clean.done;
    expect(readOutput(output).manifest.parts.map((p) => p.name)).toEqual(
      readOutput(clean.output).manifest.parts.map((p) => p.name),
    );
    expect(results(output)).toEqual(results(clean.output));
  }, 180_000);
});

describe('a delegate job with map and reduce', () => {
  it('feeds the results to map and reduce', async () => {
    server.rejected.add(7);
    const { output, done } = run(BANDS, { maxFailed: { count: 1 }, reducers: 3 });
    await done;
    const want = new Map<string, number>();
    for (const a of inputs.applicants) {
      const band = a.id === 7 ? 'failed' : `band-${Math.floor(scoreOf(a.x) / 100)}`;
      want.set(band, (want.get(band) ?? 0) + 1);
    }
    const got = new Map(readOutput(output).records.map((r) => [r.key as string, r.value as number]));
    expect(got).toEqual(want);
  }, 120_000);
});
