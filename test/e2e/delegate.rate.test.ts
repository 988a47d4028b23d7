import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { maxInWindow } from '../support/callServer.js';
import { type ScoreServer, startScoreServer } from '../support/scoreServer.js';
import { readOutput, tempDir } from './helpers.js';

/**
 * `--rate` of a delegate job across the batches of its delegate stage, measured by a real HTTP
 * server on 127.0.0.1: each batch's governor starts paced, so no second of arrivals holds more
 * calls than the rate, however many batches begin and end in it, and the job runs near it.
 */

const tmp = tempDir('stepmr-delegate-rate-');
const SCORE = 'test/fixtures/jobs/delegate-score.ts';
const CALLS = 600;
let server: ScoreServer;
let input: string;
beforeAll(async () => {
  server = await startScoreServer(20);
  process.env.STEPMR_TEST_SCORE_URL = server.url;
  input = join(tmp.dir, 'applicants.jsonl');
  writeFileSync(
    input,
    Array.from({ length: CALLS }, (_, id) => `${JSON.stringify({ id, x: id * 13 })}\n`).join(''),
  );
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

describe('--rate across batches', () => {
  it('holds in every second of arrivals, with two tasks of many short batches at once', async () => {
    const rate = 100;
    const output = join(tmp.dir, 'out');
    // Two tasks at once (concurrency 40), each at 50 calls a second, over batches of 50 calls:
    // a batch boundary every second on each task.
    const { manifest } = await runEmbedded({
      job: SCORE,
      inputs: [input],
      output,
      concurrency: 40,
      ratePerSecond: rate,
      callsPerTask: 50,
      threads: 3,
    });
    expect(manifest.delegate).toMatchObject({ calls: CALLS, ok: CALLS });
    expect(readOutput(output).records).toHaveLength(CALLS);
    const at = server.arrivals;
    expect(at).toHaveLength(CALLS);
    const most = maxInWindow(at, 1000);
    const most950 = maxInWindow(at, 950);
    const span = (Math.max(...at) - Math.min(...at)) / 1000;
    process.stdout.write(
      `most in 1 s: ${most}, in 950 ms: ${most950}; ${CALLS} calls in ${span.toFixed(2)} s: ${(CALLS / span).toFixed(1)}/s\n`,
    );
    // The server sees arrivals, which lag the starts by the way from a worker thread to the
    // server (tens of ms on a loaded machine): calls started within one second arrive within a
    // little more, so a second of starts is counted as 950 ms of arrivals. The exact bound on
    // starts is tested on a clock the test moves (test/unit/delegate/pacedRate.test.ts).
    expect(most950).toBeLessThanOrEqual(rate);
    expect(most).toBeLessThanOrEqual(rate + 10);
    // Near the rate: each batch of 50 calls (0.5 s at its share) starts 1/20 s late.
    expect(CALLS / span).toBeGreaterThan(rate * 0.8);
  }, 120_000);
});
