import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startOfflineCloudChild, submitArgs } from '../test/support/offlineCloud.js';
import { makeCorpus } from './corpus.js';
import { dataPlane, dataPlaneOptions } from './dataPlane.js';
import { offlineSoak } from './offlineSoak.js';

/**
 * `npm run bench`: wordcount throughput of stepmr embedded against a plain single-threaded
 * loop on the same machine in the same run, peak memory on a 1 GiB input, and the overhead
 * per map task with 2,000 tiny splits. Figures go to bench/results/.
 *
 * Then the same job on the offline cloud (`stepmr offline`: the functions behind the Lambda
 * Invoke API of serverless-offline, S3 on s3rver): its execution time against the embedded
 * engine's on the same input, and the overhead per map task through the wire protocols.
 *
 * Then the commit protocol: the Commit step's time against the number of parts (embedded),
 * and the offline cloud job again with injected S3 503s and Lambda 429s. Last, a redrive of
 * one failed map task of eight against a clean run. Last, the offline cloud's soak (see
 * bench/offlineSoak.ts): 5,000 objects, a 500-task job, ten jobs back to back, serverless-offline's
 * memory bounded and every result exact.
 *
 * Last, delegation (bench/delegate.ts): calls per second against a plain fetch loop, and
 * adaptive concurrency on a service that throttles beyond 50 calls in flight.
 *
 * Options: --size-mb N (default 256), --memory-gb N (default 1, 0 skips), --tasks N (default 2000),
 * --offline-mb N (default 64, 0 skips), --offline-tasks N (default 200), --soak-objects N
 * (default 5000, 0 skips), --soak-tasks N (default 500), --soak-jobs N (default 10),
 * --delegate-calls N (default 5000, 0 skips).
 *
 * Then streams (bench/streamLatency.ts, embedded): arrival-to-commit latency p50/p95 at 1 and
 * at 50 files/s, catch-up on a backlog against the batch job on the same files, and an empty
 * claim's time and Store requests by kind: --stream-seconds N (default 20, 0 skips),
 * --stream-backlog N (default 100 files), --stream-table-keys N (default 0: the update-mode
 * state-merge part, which takes minutes, is skipped). The same latency and an empty trigger's
 * time and S3 requests through the offline cloud (bench/streamOffline.ts) are opt-in:
 * --stream-offline-seconds N (default 0, skipped; it starts its own offline cloud).
 *
 * Then start-up and the data plane against DuckDB (bench/dataPlane.ts): --wordcount-mb N
 * (default 256), --q2-mb N (default 200), --identity-mb N (default 64), 0 skips each;
 * --rounds N (default 2) runs of each side, alternated, each keeping its fastest.
 */
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const sizeMb = opt('size-mb', 256);
const memoryGb = opt('memory-gb', 1);
const tinyTasks = opt('tasks', 2000);
const offlineMb = opt('offline-mb', 64);
const offlineTasks = opt('offline-tasks', 200);
const soakObjects = opt('soak-objects', 5000);
const MiB = 1024 * 1024;
const root = resolve('bench');
const data = join(root, 'data');
const scratch = join(data, 'out');
const node = process.execPath;
const tsnode = resolve('bin/tsnode.js');

function child<T>(script: string, ...rest: string[]): T {
  const out = execFileSync(node, [tsnode, join(root, script), ...rest], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

interface Embedded {
  ms: number;
  stageMs: Record<string, number>;
  recordsIn: number;
  mapTasks: number;
  maxRssBytes: number;
}

function embedded(name: string, run: Record<string, unknown>): Embedded {
  const output = join(scratch, name);
  rmSync(output, { recursive: true, force: true });
  const r = child<Embedded>('embeddedRun.ts', JSON.stringify({ job: 'examples/wordcount', output, ...run }));
  return r;
}

function readResult(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('')
    .split('\n')
    .filter(Boolean)
    .sort()
    .join('\n');
}

const mb = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
};
mkdirSync(scratch, { recursive: true });

// 1. Throughput: plain loop vs embedded, same corpus, same run.
// Two large files, so that each split size makes its own number of map tasks (with files of
// 32 MiB, 32 and 64 MiB splits would both make one task per file).
const files = await makeCorpus(join(data, `corpus-${sizeMb}x2`), 2, (sizeMb * MiB) / 2);
const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
process.stderr.write(`corpus: ${files.length} files, ${(bytes / MiB).toFixed(0)} MiB\n`);
const plainOut = join(scratch, 'plain.jsonl');
const plain = child<{ ms: number; words: number; maxRssBytes: number }>(
  'plainWordcount.ts',
  plainOut,
  ...files,
);
process.stderr.write(`plain loop: ${plain.ms.toFixed(0)} ms, ${mb(bytes, plain.ms).toFixed(1)} MB/s\n`);
const variants: Record<string, unknown>[] = [];
for (const splitMb of [16, 32, 64]) {
  const r = embedded(`split-${splitMb}`, {
    inputs: files,
    splitSize: splitMb * MiB,
    reducers: 4,
    threads: 2,
  });
  const same =
    readResult(join(scratch, `split-${splitMb}`)) ===
    readFileSync(plainOut, 'utf8').split('\n').filter(Boolean).sort().join('\n');
  if (!same) throw new Error(`embedded result with ${splitMb} MiB splits differs from the plain loop's`);
  variants.push({
    splitMiB: splitMb,
    ms: Math.round(r.ms),
    mbPerS: +mb(bytes, r.ms).toFixed(1),
    ratioToPlain: +(plain.ms / r.ms).toFixed(2),
    stageMs: r.stageMs,
    mapTasks: r.mapTasks,
    peakRssMiB: Math.round(r.maxRssBytes / MiB),
  });
  process.stderr.write(
    `embedded, ${splitMb} MiB splits: ${r.ms.toFixed(0)} ms, ${mb(bytes, r.ms).toFixed(1)} MB/s, ×${(plain.ms / r.ms).toFixed(2)}\n`,
  );
}
results.throughput = {
  inputMiB: +(bytes / MiB).toFixed(1),
  plain: {
    ms: Math.round(plain.ms),
    mbPerS: +mb(bytes, plain.ms).toFixed(1),
    peakRssMiB: Math.round(plain.maxRssBytes / MiB),
  },
  embedded: variants,
};

// 2. Peak memory on a larger input.
if (memoryGb > 0) {
  const big = await makeCorpus(join(data, `corpus-${memoryGb}g`), 16, (memoryGb * 1024 * MiB) / 16);
  const bigBytes = big.reduce((n, f) => n + readFileSync(f).length, 0);
  const r = embedded('memory', { inputs: big, reducers: 4, threads: 2 });
  results.memory = {
    inputMiB: Math.round(bigBytes / MiB),
    ms: Math.round(r.ms),
    mbPerS: +mb(bigBytes, r.ms).toFixed(1),
    peakRssMiB: Math.round(r.maxRssBytes / MiB),
  };
  process.stderr.write(
    `memory: ${(bigBytes / MiB).toFixed(0)} MiB input, peak RSS ${(r.maxRssBytes / MiB).toFixed(0)} MiB\n`,
  );
}

// 3. Overhead per map task: N tiny splits one per task, against the same input in one task.
const tinyFile = join(data, 'tiny.txt');
const line = 'the quick brown fox jumps over the lazy dog again and again!!\n';
writeFileSync(tinyFile, line.repeat(tinyTasks));
const many = embedded('tiny-many', {
  inputs: [tinyFile],
  splitSize: line.length,
  splitsPerTask: 1,
  reducers: 1,
  threads: 2,
});
const one = embedded('tiny-one', {
  inputs: [tinyFile],
  splitSize: line.length,
  splitsPerTask: tinyTasks,
  reducers: 1,
  threads: 2,
});
const mapMany = many.stageMs.Map ?? many.ms;
const mapOne = one.stageMs.Map ?? one.ms;
results.taskOverhead = {
  tasks: many.mapTasks,
  mapStageMs: Math.round(mapMany),
  singleTaskMapStageMs: Math.round(mapOne),
  msPerTask: +((mapMany - mapOne) / many.mapTasks).toFixed(3),
  totalMs: Math.round(many.ms),
};
process.stderr.write(
  `overhead: ${many.mapTasks} tasks, map stage ${mapMany.toFixed(0)} ms → ${((mapMany - mapOne) / many.mapTasks).toFixed(2)} ms/task\n`,
);

// 4. The offline cloud: the same job through stepmr submit, every task a Lambda invocation
// over HTTP and every object an S3 request; execution times from DescribeExecution.
if (offlineMb > 0) {
  const cloud = await startOfflineCloudChild(join(scratch, 'offline'));
  const stepmr = async (...args: string[]) => (await cloud.ok(...args)).stdout;
  try {
    const dir = join(data, `corpus-${offlineMb}`);
    const corpus = await makeCorpus(dir, 4, (offlineMb * MiB) / 4);
    const corpusBytes = corpus.reduce((n, f) => n + readFileSync(f).length, 0);
    await stepmr('cp', '--quiet', dir, `s3://${cloud.bucket}/in/corpus/`);
    const submit = async (name: string, input: string, ...options: string[]) => {
      const arn = await stepmr(
        ...submitArgs(cloud.bucket, 'wordcount', `in/${input}`, `out/${name}/`, ...options),
      );
      const report = JSON.parse(
        await stepmr('status', arn.trim(), '--watch', '--interval', '1', '--json'),
      ) as { startDate: string; stopDate: string; stages: { total: number }[] };
      return {
        ms: Date.parse(report.stopDate) - Date.parse(report.startDate),
        mapTasks: report.stages[0]?.total ?? 0,
      };
    };
    const splitSize = 16 * MiB;
    const cloudRun = await submit('wc', 'corpus/', '--split-size', String(splitSize), '--reducers', '4');
    const local = embedded('offline-embedded', { inputs: corpus, splitSize, reducers: 4, threads: 2 });
    const localMs = local.ms - (local.stageMs.Plan ?? 0);
    await stepmr('cp', '--quiet', `s3://${cloud.bucket}/out/wc/`, join(scratch, 'offline-result'));
    if (readResult(join(scratch, 'offline-result')) !== readResult(join(scratch, 'offline-embedded'))) {
      throw new Error('the offline cloud result differs from the embedded one');
    }

    const tiny = join(data, 'offline-tiny', 'tiny.txt');
    mkdirSync(join(data, 'offline-tiny'), { recursive: true });
    writeFileSync(tiny, line.repeat(offlineTasks));
    await stepmr('cp', '--quiet', tiny, `s3://${cloud.bucket}/in/tiny/tiny.txt`);
    const tinyOptions = ['--split-size', String(line.length), '--reducers', '1'];
    const perTask = await submit('tiny-many', 'tiny/', ...tinyOptions, '--splits-per-task', '1');
    const oneTask = await submit(
      'tiny-one',
      'tiny/',
      ...tinyOptions,
      '--splits-per-task',
      String(offlineTasks),
    );
    results.offline = {
      inputMiB: +(corpusBytes / MiB).toFixed(1),
      splitMiB: splitSize / MiB,
      mapTasks: cloudRun.mapTasks,
      executionMs: cloudRun.ms,
      mbPerS: +mb(corpusBytes, cloudRun.ms).toFixed(1),
      embeddedExecutionMs: Math.round(localMs),
      ratioToEmbedded: +(cloudRun.ms / localMs).toFixed(2),
      taskOverhead: {
        tasks: perTask.mapTasks,
        executionMs: perTask.ms,
        singleTaskExecutionMs: oneTask.ms,
        msPerTask: +((perTask.ms - oneTask.ms) / perTask.mapTasks).toFixed(2),
      },
    };
    process.stderr.write(
      `offline cloud: ${(corpusBytes / MiB).toFixed(0)} MiB in ${cloudRun.ms} ms (${mb(corpusBytes, cloudRun.ms).toFixed(1)} MB/s), ×${(cloudRun.ms / localMs).toFixed(2)} the embedded execution; ${((perTask.ms - oneTask.ms) / perTask.mapTasks).toFixed(2)} ms per map task\n`,
    );
  } finally {
    await cloud.stop();
  }
}

// 5. The commit protocol. (a) The Commit step against the number of parts it verifies,
// publishes and lists in _SUCCESS (embedded: a rename per part). (b) The offline cloud job of
// section 4 again, with every 5th S3 request answered 503 SlowDown and every 3rd Lambda Invoke
// 429: what the retries cost, with the result checked to be the same.
{
  const input = await makeCorpus(join(data, 'corpus-commit'), 1, 8 * MiB);
  const byParts: { parts: number; commitMs: number }[] = [];
  for (const reducers of [1, 16, 64, 256]) {
    const r = embedded(`commit-${reducers}`, { inputs: input, reducers, threads: 2 });
    byParts.push({ parts: reducers, commitMs: Math.round(r.stageMs.Commit ?? 0) });
  }
  const first = byParts[0] as { parts: number; commitMs: number };
  const last = byParts.at(-1) as { parts: number; commitMs: number };
  const msPerPart = +((last.commitMs - first.commitMs) / (last.parts - first.parts)).toFixed(3);
  results.commit = { embedded: { byParts, msPerPart } };
  process.stderr.write(
    `commit: ${byParts.map((b) => `${b.parts} parts ${b.commitMs} ms`).join(', ')} → ${msPerPart} ms/part\n`,
  );
}
if (offlineMb > 0 && results.offline) {
  const clean = results.offline as { executionMs: number; splitMiB: number };
  const cloud = await startOfflineCloudChild(join(scratch, 'offline-faults'), [
    '--inject-faults',
    's3=5,lambda=3',
  ]);
  let stopped: { code: number | null; stderr: string } | undefined;
  try {
    const stepmr = async (...args: string[]) => (await cloud.ok(...args)).stdout;
    await stepmr('cp', '--quiet', join(data, `corpus-${offlineMb}`), `s3://${cloud.bucket}/in/corpus/`);
    const arn = await stepmr(
      ...submitArgs(
        cloud.bucket,
        'wordcount',
        'in/corpus/',
        'out/wc/',
        '--split-size',
        String(clean.splitMiB * MiB),
        '--reducers',
        '4',
      ),
    );
    const report = JSON.parse(await stepmr('status', arn.trim(), '--watch', '--interval', '1', '--json')) as {
      startDate: string;
      stopDate: string;
    };
    const ms = Date.parse(report.stopDate) - Date.parse(report.startDate);
    await stepmr('cp', '--quiet', `s3://${cloud.bucket}/out/wc/`, join(scratch, 'faults-result'));
    if (readResult(join(scratch, 'faults-result')) !== readResult(join(scratch, 'offline-embedded'))) {
      throw new Error('the result with injected faults differs from the embedded one');
    }
    stopped = await cloud.stop();
    const injected = (service: string) =>
      Number(new RegExp(`faults injected: ${service} (\\d+) of`).exec(stopped?.stderr ?? '')?.[1] ?? 0);
    results.commit = {
      ...(results.commit as object),
      offlineWithFaults: {
        executionMs: ms,
        cleanExecutionMs: clean.executionMs,
        ratioToClean: +(ms / clean.executionMs).toFixed(2),
        s3Faults: injected('s3'),
        lambdaFaults: injected('lambda'),
      },
    };
    process.stderr.write(
      `with faults (${injected('s3')} S3 503s, ${injected('lambda')} Lambda 429s): ${ms} ms, ×${(ms / clean.executionMs).toFixed(2)} the clean run\n`,
    );
  } finally {
    if (!stopped) await cloud.stop();
  }
}

// 6. Redrive against a full rerun. A 64 MiB corpus in 8 files, one of which has a line the
// fragile job cannot digest while its marker exists: run with --tolerate (7 of 8 files'
// tasks succeed), remove the marker, redrive; then a clean run of the same input. The redrive
// maps one file's splits and reduces everything; its result is checked equal to the clean one.
{
  const dir = join(data, 'corpus-redrive');
  const files = await makeCorpus(dir, 8, 8 * MiB);
  const poisoned = join(dir, 'poisoned.txt');
  writeFileSync(poisoned, `${readFileSync(files[0] as string, 'utf8')}a poison line\n`);
  const inputs = [...files.slice(1), poisoned];
  const marker = join(scratch, 'fragile-marker');
  writeFileSync(marker, '');
  process.env.STEPMR_FRAGILE_MARKER = marker;
  const job = 'test/fixtures/jobs/fragile.ts';
  const options = { job, inputs, splitSize: 8 * MiB, splitsPerTask: 1, reducers: 4, threads: 2 };
  const output = join(scratch, 'redrive');
  rmSync(output, { recursive: true, force: true });
  const partial = child<Embedded & { failedTasks: number }>(
    'embeddedRun.ts',
    JSON.stringify({ ...options, output, tolerate: { count: 1 } }),
  );
  rmSync(marker);
  const redrive = child<Embedded>('embeddedRun.ts', JSON.stringify({ redrive: true, output, threads: 2 }));
  const cleanOutput = join(scratch, 'redrive-clean');
  rmSync(cleanOutput, { recursive: true, force: true });
  const clean = child<Embedded>('embeddedRun.ts', JSON.stringify({ ...options, output: cleanOutput }));
  if (readResult(output) !== readResult(cleanOutput))
    throw new Error('the redriven result differs from a clean run');
  results.redrive = {
    inputMiB: 64,
    mapTasks: clean.mapTasks,
    failedTasks: partial.failedTasks,
    partialMs: Math.round(partial.ms),
    redriveMs: Math.round(redrive.ms),
    redriveStageMs: redrive.stageMs,
    cleanMs: Math.round(clean.ms),
    ratioToClean: +(redrive.ms / clean.ms).toFixed(2),
  };
  process.stderr.write(
    `redrive of ${partial.failedTasks} of ${clean.mapTasks} map tasks: ${Math.round(redrive.ms)} ms, against ${Math.round(clean.ms)} ms for a clean run (×${(redrive.ms / clean.ms).toFixed(2)})\n`,
  );
}

// 7. The offline cloud's soak.
if (soakObjects > 0) {
  results.offlineSoak = await offlineSoak({
    dataDir: join(data, 'soak'),
    objects: soakObjects,
    tasks: opt('soak-tasks', 500),
    jobs: opt('soak-jobs', 10),
  });
}

// 8. Delegation: calls per second against a plain fetch loop, and adaptive concurrency on a
// throttling service (bench/delegate.ts, in its own process).
const delegateCalls = opt('delegate-calls', 5000);
if (delegateCalls > 0) {
  results.delegate = child<Record<string, unknown>>('delegate.ts', '--calls', String(delegateCalls));
}

// 9. Streams, embedded (bench/streamLatency.ts, in its own process; it also writes its own
// bench/results/stream-<time>.json).
const streamSeconds = opt('stream-seconds', 20);
if (streamSeconds > 0) {
  results.stream = child<Record<string, unknown>>(
    'streamLatency.ts',
    '--seconds',
    String(streamSeconds),
    '--backlog-files',
    String(opt('stream-backlog', 100)),
    '--table-keys',
    String(opt('stream-table-keys', 0)),
  );
}

const streamOfflineSeconds = opt('stream-offline-seconds', 0);
if (streamOfflineSeconds > 0) {
  results.streamOffline = child<Record<string, unknown>>(
    'streamOffline.ts',
    '--seconds',
    String(streamOfflineSeconds),
  );
}

// 10. Start-up, and the data plane against DuckDB in the same run (bench/dataPlane.ts).
results.dataPlane = await dataPlane(dataPlaneOptions(opt));

mkdirSync(join(root, 'results'), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(root, 'results', `wordcount-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
rmSync(scratch, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
