import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commitEntrySchema, offsetEntrySchema, padBatch } from '../framework/contract/stream.js';
import { FileStore } from '../framework/index.js';
import { CountingStore, noRequests } from '../framework/store/CountingStore.js';

/**
 * Streams, embedded: arrival-to-commit latency (p50, p95) of the clickstream example at 1 and
 * at 50 files a second; catch-up on a backlog against one batch job over the same files; and
 * the cost of an empty claim over a source of 1,000 files already taken. Latency is read from
 * the checkpoint (each file's modification time against its batch's commit time), not from
 * the driver's own report. The empty claim's Store requests are counted by kind (as S3 would
 * bill them) with CountingStore over the source and the checkpoint. Writes
 * bench/results/stream-<time>.json; `npm run bench` runs it as its stream section.
 *
 * It also times update-mode batches over a table of `--table-keys` keys, each of
 * `--small-batches` small files, with the reducers merging the previous snapshot against the
 * map stage re-reading it (`stateMerge: false`); `--only state` runs that part alone, and
 * `--table-keys 0` skips it.
 *
 *   node bin/tsnode.js bench/streamLatency.ts [--seconds 20] [--backlog-files 200] [--table-keys 300000] [--only state]
 */
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = opt('seconds', 20);
const backlogFiles = opt('backlog-files', 200);
const tableKeys = opt('table-keys', 300_000);
const smallBatches = opt('small-batches', 8);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
// The built package, as `stepmr stream run` uses it: its worker threads load the user's
// TypeScript job the way a user's project does (build it first: `npm run bench` does).
const { claimNextBatch, runEmbedded, runStreamEmbedded }: typeof import('../framework/index.js') =
  await import(new URL('../dist/index.js', import.meta.url).href);
const root = resolve('bench/data/stream');
const STREAM = 'examples/clickstream';
const TABLE_STREAM = 'bench/streams/userTotals.ts';
rmSync(root, { recursive: true, force: true });

const PAGES = ['/', '/pricing', '/docs', '/blog', '/signup'];
function arrive(dir: string, name: string, clicks: number): void {
  const lines: string[] = [];
  for (let i = 0; i < clicks; i++) {
    lines.push(
      JSON.stringify({ user: `u${i % 97}`, page: PAGES[i % PAGES.length], time: new Date().toISOString() }),
    );
  }
  writeFileSync(join(dir, `.${name}`), `${lines.join('\n')}\n`);
  renameSync(join(dir, `.${name}`), join(dir, name));
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/**
 * Per-file latency, ms, of batch N of the stream at `output`: its commit time minus each file's
 * modification time. Read when the batch reports, while its checkpoint entries exist (the
 * checkpoint compacts them away ten batches later).
 */
function latenciesOf(output: string, batch: number): number[] {
  const dir = join(output, '_checkpoint');
  const entry = (folder: string) => JSON.parse(readFileSync(join(dir, folder, padBatch(batch)), 'utf8'));
  const committedAt = Date.parse(commitEntrySchema.parse(entry('commits')).committedAt);
  return offsetEntrySchema.parse(entry('offsets')).files.map((f) => committedAt - f.modified);
}

async function latencyAt(rate: number) {
  const source = join(root, `in-${rate}`);
  const output = join(root, `out-${rate}`);
  mkdirSync(source, { recursive: true });
  const stop = new AbortController();
  let batches = 0;
  const l: number[] = [];
  const running = runStreamEmbedded({
    stream: STREAM,
    source,
    output,
    everyMs: 60_000,
    signal: stop.signal,
    onBatch: (report) => {
      batches++;
      l.push(...latenciesOf(output, report.batch));
    },
  });
  const total = rate * seconds;
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((done) => setTimeout(done, due - Date.now()));
    arrive(source, `f${String(i).padStart(6, '0')}.jsonl`, 100);
  }
  while (l.length < total) await new Promise((done) => setTimeout(done, 100));
  stop.abort();
  await running;
  l.sort((a, b) => a - b);
  return {
    filesPerSecond: rate,
    files: total,
    batches,
    p50Ms: percentile(l, 0.5),
    p95Ms: percentile(l, 0.95),
    maxMs: l.at(-1) ?? 0,
  };
}

async function catchUp() {
  const source = join(root, 'backlog');
  mkdirSync(source, { recursive: true });
  for (let i = 0; i < backlogFiles; i++) arrive(source, `b${String(i).padStart(6, '0')}.jsonl`, 2000);
  let t = performance.now();
  const streamed = await runStreamEmbedded({
    stream: STREAM,
    source,
    output: join(root, 'backlog-stream'),
    once: true,
  });
  const streamMs = performance.now() - t;
  t = performance.now();
  await runEmbedded({ job: STREAM, inputs: [source], output: join(root, 'backlog-run') });
  const runMs = performance.now() - t;
  // Throughput of the stream relative to the batch job: above 1 is faster.
  return {
    files: backlogFiles,
    batches: streamed.batches,
    streamMs,
    runMs,
    relativeThroughput: runMs / streamMs,
  };
}

async function emptyClaim() {
  const counts = noRequests();
  const source = new CountingStore(new FileStore(join(root, 'backlog')), counts);
  const checkpoint = new CountingStore(new FileStore(join(root, 'backlog-stream', '_checkpoint')), counts);
  const request = {
    stream: 'clicks',
    checkpoint,
    source: { store: source, prefix: '' },
    caps: { maxFiles: 1000, maxBytes: 1 << 30 },
    published: async () => undefined,
  };
  const runs = 20;
  const t = performance.now();
  for (let i = 0; i < runs; i++)
    if (await claimNextBatch(request)) throw new Error('an empty claim took a batch');
  const perClaim = Object.fromEntries(
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => [kind, n / runs]),
  );
  return {
    sourceFiles: backlogFiles,
    msPerClaim: (performance.now() - t) / runs,
    requestsPerClaim: perClaim,
  };
}

/**
 * Update mode over a table of `tableKeys` users: a first batch builds it, then each of
 * `smallBatches` batches brings one file of 100 clicks. Mean and median time of those small
 * batches, with the reducers merging the previous snapshot and with the map stage re-reading it.
 */
async function stateMerge() {
  const source = join(root, 'table');
  mkdirSync(source, { recursive: true });
  const files = 20;
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let u = f; u < tableKeys; u += files) lines.push(JSON.stringify({ user: `user-${u}` }));
    writeFileSync(join(source, `t${String(f).padStart(3, '0')}.jsonl`), `${lines.join('\n')}\n`);
  }
  const small = (i: number) =>
    Array.from({ length: 100 }, (_, c) =>
      JSON.stringify({ user: `user-${(i * 7919 + c * 104729) % tableKeys}` }),
    );
  const timed = async (merge: boolean) => {
    const inbox = join(root, `table-${merge ? 'merge' : 'shuffle'}`);
    const output = `${inbox}-out`;
    mkdirSync(inbox, { recursive: true });
    for (const name of readdirSync(source))
      writeFileSync(join(inbox, name), readFileSync(join(source, name)));
    await runStreamEmbedded({ stream: TABLE_STREAM, source: inbox, output, once: true, stateMerge: merge });
    const ms: number[] = [];
    for (let i = 0; i < smallBatches; i++) {
      writeFileSync(join(inbox, `s${String(i).padStart(3, '0')}.jsonl`), `${small(i).join('\n')}\n`);
      await runStreamEmbedded({
        stream: TABLE_STREAM,
        source: inbox,
        output,
        once: true,
        stateMerge: merge,
        onBatch: (report) => ms.push(report.durationMs),
      });
    }
    const sorted = [...ms].sort((a, b) => a - b);
    return { meanMs: ms.reduce((a, b) => a + b, 0) / ms.length, p50Ms: percentile(sorted, 0.5) };
  };
  // Alternate the two paths, best of two rounds each, on the shared machine.
  const merge = [await timed(true)];
  const shuffle = [await timed(false)];
  rmSync(join(root, 'table-merge'), { recursive: true, force: true });
  rmSync(join(root, 'table-merge-out'), { recursive: true, force: true });
  rmSync(join(root, 'table-shuffle'), { recursive: true, force: true });
  rmSync(join(root, 'table-shuffle-out'), { recursive: true, force: true });
  merge.push(await timed(true));
  shuffle.push(await timed(false));
  const best = (r: { meanMs: number; p50Ms: number }[]) => r.reduce((a, b) => (b.meanMs < a.meanMs ? b : a));
  const [m, s] = [best(merge), best(shuffle)];
  return { tableKeys, smallBatches, merge: m, shuffle: s, speedup: s.meanMs / m.meanMs };
}

const result =
  only === 'state'
    ? { at: new Date().toISOString(), stateMerge: await stateMerge() }
    : {
        at: new Date().toISOString(),
        seconds,
        latency: [await latencyAt(1), await latencyAt(50)],
        catchUp: await catchUp(),
        emptyClaim: await emptyClaim(),
        ...(tableKeys > 0 ? { stateMerge: await stateMerge() } : {}),
      };
mkdirSync(resolve('bench/results'), { recursive: true });
writeFileSync(
  resolve(`bench/results/stream-${result.at.replace(/[:.]/g, '-')}.json`),
  `${JSON.stringify(result, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
rmSync(root, { recursive: true, force: true });
