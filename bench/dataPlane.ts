import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { makeCorpus } from './corpus.js';
import { makeUservisits } from './uservisits.js';

/**
 * The start-up and the data plane, against DuckDB measured in the same run:
 *
 * 1. start-up: `stepmr --help`; a pool worker's start (bench/workerStart.ts: wall time, and
 *    the CPU time of the worker's thread until ready); `stepmr run` of the 1.5 KiB
 *    examples/wordcount end to end (wall, and CPU time of all its threads).
 * 2. wordcount on generated text (bench/corpus.ts, 2 files) with stepmr embedded (2 threads,
 *    built dist/) against DuckDB with 2 threads (`regexp_extract_all` + GROUP BY, the same
 *    Unicode tokenisation); results checked equal.
 * 3. AMPLab query 2 on generated uservisits CSV (bench/uservisits.ts): bench/jobs/amplabQ2.ts
 *    against DuckDB's `read_csv` + GROUP BY; the sums checked equal to the millionth.
 * 4. the framework's own share: bench/jobs/identity.ts (every line through the shuffle) on
 *    the wordcount corpus, in MB/s.
 *
 * Wall times on a shared machine move with its load (recorded as `loadAverage`): each side runs
 * `rounds` times, alternated, and keeps its fastest; compare the ratios, of wall time and of CPU
 * time (all threads; stepmr's includes its start-up, DuckDB's is the query's), not the times.
 *
 * Alone: `node bin/tsnode.js bench/dataPlane.ts [--wordcount-mb N] [--q2-mb N] [--identity-mb N]`
 * [--rounds N] (defaults 256, 200, 64, 2, the sizes the goals name; 0 skips a section), which writes `bench/results/dataplane-<date>.json`.
 */
export interface DataPlaneOptions {
  readonly wordcountMb: number;
  readonly q2Mb: number;
  readonly identityMb: number;
  /** Runs of each side per comparison, alternated; each side keeps its fastest. */
  readonly rounds: number;
}

const MiB = 1024 * 1024;
const root = resolve('bench');
const data = join(root, 'data');
const scratch = join(data, 'out-dataplane');
const node = process.execPath;
const tsnode = resolve('bin/tsnode.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

function child<T>(script: string, ...rest: string[]): T {
  const out = execFileSync(node, [tsnode, join(root, script), ...rest], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mbPerS = (bytes: number, ms: number) => +(bytes / MiB / (ms / 1000)).toFixed(1);

/** CPU time (user + system) of this process's waited-for children, ms: Linux's /proc, else NaN. */
function childrenCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // cutime and cstime, fields 16 and 17 of stat(5), in clock ticks (100 a second on Linux).
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Runs a command to its end: its wall time, and the CPU time of it and its threads. */
function timed(args: string[]): { ms: number; cpuMs: number } {
  const cpu = childrenCpuMs();
  const started = performance.now();
  execFileSync(node, args, { stdio: 'ignore' });
  return { ms: performance.now() - started, cpuMs: childrenCpuMs() - cpu };
}

interface Embedded {
  ms: number;
  cpuMs: number;
  stageMs: Record<string, number>;
  recordsIn: number;
  recordsOut: number;
  mapTasks: number;
  maxRssBytes: number;
}

function stepmr(name: string, job: string, inputs: string[]): Embedded {
  const output = join(scratch, name);
  rmSync(output, { recursive: true, force: true });
  return child<Embedded>(
    'embeddedRun.ts',
    JSON.stringify({ built: true, job, inputs, output, reducers: 4, threads: 2 }),
  );
}

interface Duck {
  ms: number;
  cpuMs: number;
  rows: number;
  maxRssBytes: number;
}

function duckdb(query: 'wordcount' | 'q2', files: string[]): Duck {
  return child('duckdb.ts', JSON.stringify({ query, files, output: join(scratch, `duckdb-${query}.jsonl`) }));
}

/** The sorted lines of stepmr's parts, and of DuckDB's answer. */
function sortedLines(dirOrFile: string): string {
  const texts = dirOrFile.endsWith('.jsonl')
    ? [readFileSync(dirOrFile, 'utf8')]
    : readdirSync(dirOrFile)
        .filter((f) => f.startsWith('part-'))
        .map((f) => readFileSync(join(dirOrFile, f), 'utf8'));
  return texts.join('').split('\n').filter(Boolean).sort().join('\n');
}

/** The run with the least wall time of `rounds`, and the least CPU time. */
function fastest<T extends { ms: number; cpuMs: number }>(runs: T[]): T {
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { ...best, cpuMs: Math.min(...runs.map((r) => r.cpuMs)) };
}

function versus(name: string, query: 'wordcount' | 'q2', job: string, files: string[], rounds: number) {
  const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
  const ducks: Duck[] = [];
  const ourRuns: Embedded[] = [];
  // Alternated, each keeping its fastest: a burst of load on the shared machine hits both.
  for (let round = 0; round < rounds; round++) {
    ducks.push(duckdb(query, files));
    ourRuns.push(stepmr(name, job, files));
    if (sortedLines(join(scratch, name)) !== sortedLines(join(scratch, `duckdb-${query}.jsonl`))) {
      throw new Error(`${name}: stepmr's answer differs from DuckDB's`);
    }
  }
  const duck = fastest(ducks);
  const ours = fastest(ourRuns);
  log(
    `${name}: DuckDB ${duck.ms.toFixed(0)} ms (${mbPerS(bytes, duck.ms)} MB/s, ${duck.cpuMs.toFixed(0)} ms CPU), ${duck.rows} groups; ` +
      `stepmr ${ours.ms.toFixed(0)} ms (${mbPerS(bytes, ours.ms)} MB/s, ${ours.cpuMs.toFixed(0)} ms CPU): ` +
      `×${(ours.ms / duck.ms).toFixed(2)} DuckDB's time, ×${(ours.cpuMs / duck.cpuMs).toFixed(2)} its CPU`,
  );
  return {
    inputMiB: +(bytes / MiB).toFixed(1),
    groups: duck.rows,
    answersEqual: true,
    rounds,
    duckdb: {
      ms: Math.round(duck.ms),
      cpuMs: Math.round(duck.cpuMs),
      mbPerS: mbPerS(bytes, duck.ms),
      peakRssMiB: Math.round(duck.maxRssBytes / MiB),
    },
    stepmr: {
      ms: Math.round(ours.ms),
      cpuMs: Math.round(ours.cpuMs),
      mbPerS: mbPerS(bytes, ours.ms),
      stageMs: ours.stageMs,
      mapTasks: ours.mapTasks,
      peakRssMiB: Math.round(ours.maxRssBytes / MiB),
    },
    ratioToDuckdb: +(ours.ms / duck.ms).toFixed(2),
    cpuRatioToDuckdb: +(ours.cpuMs / duck.cpuMs).toFixed(2),
  };
}

/**
 * Runs the sections and returns their figures.
 *
 * @example
 * ```ts
 * const figures = await dataPlane({ wordcountMb: 256, q2Mb: 200, identityMb: 64, rounds: 2 });
 * ```
 */
export async function dataPlane(options: DataPlaneOptions): Promise<Record<string, unknown>> {
  mkdirSync(scratch, { recursive: true });
  const results: Record<string, unknown> = {
    loadAverage: loadavg().map((l) => +l.toFixed(1)),
    cores: cpus().length,
  };

  const help = Array.from({ length: 5 }, () => timed([resolve('bin/stepmr.js'), '--help']));
  const workers = child<{ handlersMs: number[]; jobMs: number[]; handlersCpuMs: number; jobCpuMs: number }>(
    'workerStart.ts',
    'examples/wordcount/job.ts',
    '5',
  );
  const tinyOutput = join(scratch, 'tiny');
  const tiny = Array.from({ length: 3 }, () =>
    timed([
      resolve('bin/stepmr.js'),
      'run',
      'examples/wordcount',
      '--input',
      'examples/wordcount/data',
      '--output',
      tinyOutput,
      '--overwrite',
    ]),
  );
  results.startup = {
    helpMs: Math.round(median(help.map((h) => h.ms))),
    helpCpuMs: Math.round(median(help.map((h) => h.cpuMs))),
    worker: {
      handlersReadyMs: Math.round(median(workers.handlersMs)),
      jobLoadedMs: Math.round(median(workers.jobMs)),
      handlersCpuMs: Math.round(workers.handlersCpuMs),
      handlersAndJobCpuMs: Math.round(workers.jobCpuMs),
    },
    tinyWordcountMs: Math.round(median(tiny.map((t) => t.ms))),
    tinyWordcountCpuMs: Math.round(median(tiny.map((t) => t.cpuMs))),
  };
  log(`start-up: ${JSON.stringify(results.startup)}`);

  if (options.wordcountMb > 0) {
    const files = await makeCorpus(
      join(data, `corpus-${options.wordcountMb}x2`),
      2,
      (options.wordcountMb * MiB) / 2,
    );
    results.wordcount = versus('wordcount', 'wordcount', 'examples/wordcount', files, options.rounds);
  }
  if (options.q2Mb > 0) {
    const files = await makeUservisits(
      join(data, `uservisits-${options.q2Mb}x2`),
      2,
      (options.q2Mb * MiB) / 2,
    );
    results.amplabQ2 = versus('amplab-q2', 'q2', 'bench/jobs/amplabQ2.ts', files, options.rounds);
  }
  if (options.identityMb > 0) {
    const files = await makeCorpus(
      join(data, `corpus-${options.identityMb}x2`),
      2,
      (options.identityMb * MiB) / 2,
    );
    const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
    const r = fastest(
      Array.from({ length: options.rounds }, () => stepmr('identity', 'bench/jobs/identity.ts', files)),
    );
    results.identity = {
      inputMiB: +(bytes / MiB).toFixed(1),
      ms: Math.round(r.ms),
      cpuMs: Math.round(r.cpuMs),
      mbPerS: mbPerS(bytes, r.ms),
      stageMs: r.stageMs,
      records: r.recordsIn,
      peakRssMiB: Math.round(r.maxRssBytes / MiB),
    };
    log(`identity: ${r.ms.toFixed(0)} ms, ${mbPerS(bytes, r.ms)} MB/s`);
  }
  rmSync(scratch, { recursive: true, force: true });
  return results;
}

/**
 * The data plane's options from the command line's (`opt(name, fallback)` reads `--<name> N`),
 * with the defaults the goals are stated at: 256, 200 and 64 MiB, 2 rounds.
 *
 * @example
 * ```ts
 * await dataPlane(dataPlaneOptions((name, fallback) => fallback));
 * ```
 */
export function dataPlaneOptions(opt: (name: string, fallback: number) => number): DataPlaneOptions {
  return {
    wordcountMb: opt('wordcount-mb', 256),
    q2Mb: opt('q2-mb', 200),
    identityMb: opt('identity-mb', 64),
    rounds: opt('rounds', 2),
  };
}

if (import.meta.url === `file://${resolve(process.argv[1] ?? '')}`) {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    ...(await dataPlane(dataPlaneOptions(opt))),
  };
  mkdirSync(join(root, 'results'), { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(root, 'results', `dataplane-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}
