/** Test helpers: tasks over a FileStore in a temp dir, planned inputs, ResultWriter files. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lines } from '../../../framework/io/index.js';
import { defineJob, type Emit, type Job } from '../../../framework/job/defineJob.js';
import type { Key, Split } from '../../../framework/job/types.js';
import { planJob } from '../../../framework/plan/planJob.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import type { Store } from '../../../framework/store/Store.js';
import { openUri, toUri } from '../../../framework/store/uri.js';
import type { TaskDeps } from '../../../framework/tasks/deps.js';
import { mapTask } from '../../../framework/tasks/mapTask.js';
import type {
  JobPlan,
  JobRef,
  MapTaskResult,
  ReduceTaskResult,
  ResultWriterDetails,
} from '../../../framework/tasks/payloads.js';
import { reduceTask } from '../../../framework/tasks/reduceTask.js';
import { embeddedScope } from '../../../framework/tasks/scope.js';

export const BUCKET = 'work-bucket';

/** A job's working directory, inputs and output location, and the tasks' deps over them. */
export interface TaskEnv {
  readonly dir: string;
  readonly work: FileStore;
  readonly outputDir: string;
  readonly deps: TaskDeps;
  readonly ref: JobRef;
  readonly plan: JobPlan;
  readonly splits: readonly Split[];
  /** The input files, by absolute path. */
  readonly files: readonly string[];
  readonly cleanup: () => void;
}

export interface EnvOptions {
  readonly reducers?: number;
  readonly splitSize?: number;
  readonly memoryBudget?: number;
  /** Overrides `deps.open` (e.g. to record what happens to the output store). */
  readonly open?: (uri: string, fallback: TaskDeps['open']) => ReturnType<TaskDeps['open']>;
  /** Files the output directory holds before the job is planned: relative name → text. */
  readonly output?: Readonly<Record<string, string>>;
  /** Plan the job to replace the stepmr result the output holds. @default false */
  readonly overwrite?: boolean;
}

/** A fresh temp dir with the given input files, planned with `planJob` for `job`. */
export async function taskEnv(
  job: Job,
  inputs: Readonly<Record<string, string>>,
  options: EnvOptions = {},
): Promise<TaskEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'stepmr-tasks-'));
  const inputDir = join(dir, 'in');
  const outputDir = join(dir, 'out');
  const tmp = join(dir, 'tmp');
  for (const d of [inputDir, outputDir, tmp]) mkdirSync(d, { recursive: true });
  const files = Object.entries(inputs).map(([name, body]) => {
    writeFileSync(join(inputDir, name), body);
    return join(inputDir, name);
  });
  for (const [name, body] of Object.entries(options.output ?? {})) {
    mkdirSync(join(outputDir, name, '..'), { recursive: true });
    writeFileSync(join(outputDir, name), body);
  }
  const work = new FileStore(join(dir, 'work'));
  const open = options.open;
  let clock = Date.UTC(2026, 0, 2, 3, 4, 5);
  const deps: TaskDeps = {
    scope: embeddedScope(BUCKET),
    bucket: (name) => {
      if (name !== BUCKET) throw new Error(`unknown bucket ${name}`);
      return work;
    },
    open: open ? (uri) => open(uri, openUri) : openUri,
    loadJob: async () => job,
    tmpDir: tmp,
    now: () => clock++,
  };
  const planned = await planJob({
    job,
    name: 'test-job',
    module: '/inline/test-job.ts',
    inputs: [inputDir],
    output: toUri(outputDir),
    outputFormat: job.output ?? { kind: 'jsonl' },
    work: { store: work, bucket: BUCKET },
    reducers: options.reducers ?? 3,
    splitSize: options.splitSize ?? 1 << 20,
    memoryBudget: options.memoryBudget ?? 1 << 20,
    maxRecordBytes: 1 << 20,
    overwrite: options.overwrite ?? false,
  });
  return {
    dir,
    work,
    outputDir,
    deps,
    ref: planned.ref,
    plan: planned.plan,
    splits: planned.splits,
    files: files.sort((a, b) => (toUri(a) < toUri(b) ? -1 : 1)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

import { rng } from '../../support/rng.js';

export { labelOfString, textOf } from '../../support/secrets.js';
export { rng };

const VOCABULARY = ['alpha', 'beta', 'gamma', 'déjà', 'straße', '東京', 'x', 'zz', '42', 'naïve', 'ω'];

/** Lines of words (some empty), LF or CRLF, ending with a newline or not. */
export function makeText(seed: number, lines: number, options: { crlf?: boolean; distinct?: number } = {}) {
  const random = rng(seed);
  const distinct = options.distinct ?? 200;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = Math.floor(random() * 9);
    const words: string[] = [];
    for (let j = 0; j < n; j++) {
      const pick = Math.floor(random() * (VOCABULARY.length + distinct));
      words.push(VOCABULARY[pick] ?? `w${pick}`);
    }
    out.push(words.join(' '));
  }
  return out.join(options.crlf ? '\r\n' : '\n') + (random() < 0.5 ? '' : options.crlf ? '\r\n' : '\n');
}

/** One line of an input file: its text, byte offset, 1-based number and bytes with its terminator. */
export interface OwnedLine {
  readonly line: string;
  readonly offset: number;
  readonly lineNo: number;
  readonly bytes: number;
}

/**
 * The lines a split owns, computed the plain way: every line whose first byte lies in
 * `[start, end)`, without its line break, in file order.
 */
export function ownedLines(split: Split): OwnedLine[] {
  const bytes = readFileSync(new URL(split.uri));
  const owned: OwnedLine[] = [];
  let start = 0;
  let lineNo = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const next = end === -1 ? bytes.length : end + 1;
    if (end === -1) end = bytes.length;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    if (start >= split.start && start < split.end) {
      owned.push({
        line: bytes.subarray(start, end).toString('utf8'),
        offset: start,
        lineNo,
        bytes: next - start,
      });
    }
    start = next;
    lineNo++;
  }
  return owned;
}

/** A canonical identity of a key for plain group-bys (numbers and strings never collide). */
export function keyId(key: Key): string {
  return JSON.stringify(key);
}

/** Runs a job's map by hand over the lines the splits own, collecting the emitted pairs. */
export function plainEmits(job: Job, splits: readonly Split[]): [Key, unknown][] {
  const pairs: [Key, unknown][] = [];
  for (const split of splits) {
    for (const { line, offset, lineNo } of ownedLines(split)) {
      void job.map(line, (k, v) => pairs.push([k, v]), {
        uri: split.uri,
        offset,
        line: split.start === 0 ? lineNo : undefined,
      });
    }
  }
  return pairs;
}

/** Plain group-by of pairs: key id → key and values in emission order. */
export function groupBy(pairs: readonly [Key, unknown][]): Map<string, { key: Key; values: unknown[] }> {
  const groups = new Map<string, { key: Key; values: unknown[] }>();
  for (const [key, value] of pairs) {
    const id = keyId(key);
    const group = groups.get(id);
    if (group) group.values.push(value);
    else groups.set(id, { key, values: [value] });
  }
  return groups;
}

/** Cuts `items` into batches of `size`, as an ItemBatcher does. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes a Distributed Map's ResultWriter files the way AWS does: `manifest.json` listing
 * `SUCCEEDED_0.json` / `FAILED_0.json`, entries with `Input` and `Output` as JSON strings.
 */
export async function writeMapRunResults(
  store: Store,
  prefix: string,
  succeeded: readonly { input: unknown; output: unknown }[],
  failed: readonly { input: unknown; error: string; cause: string }[] = [],
  bucket = BUCKET,
): Promise<ResultWriterDetails> {
  const run = `${prefix}0a1b2c3d-1111-2222-3333-444455556666/`;
  const arn = 'arn:aws:states:us-east-1:123456789012:execution:job/Map:run';
  const entry = (status: string, i: number, input: unknown) => ({
    ExecutionArn: `${arn}:${status.toLowerCase()}-${i}`,
    Input: JSON.stringify(input),
    InputDetails: { Included: true },
    Name: `${status.toLowerCase()}-${i}`,
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    StopDate: new Date(Date.UTC(2026, 0, 1, 0, 0, i + 2)).toISOString(),
    StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:job/Map',
    Status: status,
  });
  const ok = succeeded.map((s, i) => ({
    ...entry('SUCCEEDED', i, s.input),
    Output: JSON.stringify(s.output),
    OutputDetails: { Included: true },
  }));
  const bad = failed.map((f, i) => ({ ...entry('FAILED', i, f.input), Error: f.error, Cause: f.cause }));
  const resultFiles: Record<string, { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const [status, entries] of [
    ['SUCCEEDED', ok],
    ['FAILED', bad],
  ] as const) {
    if (entries.length === 0) continue;
    const key = `${run}${status}_0.json`;
    const body = JSON.stringify(entries);
    await store.put(key, body);
    resultFiles[status]?.push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${run}manifest.json`;
  await store.put(
    manifestKey,
    JSON.stringify({
      DestinationBucket: bucket,
      MapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:job/Map:run',
      ResultFiles: resultFiles,
    }),
  );
  return { Bucket: bucket, Key: manifestKey };
}

/** Keys under a prefix of a store. */
export async function listKeys(store: Store, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

/** Runs the map stage by hand: one map task per batch, and the ResultWriter files of the run. */
export async function runMapStage(
  env: TaskEnv,
  splitsPerTask: number,
): Promise<{ results: MapTaskResult[]; details: ResultWriterDetails }> {
  const results = [];
  for (const items of batches(env.splits, splitsPerTask)) {
    const input = { BatchInput: env.ref, Items: items };
    results.push({ input, output: await mapTask(input, env.deps) });
  }
  const details = await writeMapRunResults(env.work, `${env.ref.prefix}results/map/`, results);
  return { results: results.map((r) => r.output), details };
}

/** Runs the reduce stage by hand over all partitions, and writes its ResultWriter files. */
export async function runReduceStage(
  env: TaskEnv,
  partitionsPerTask: number,
): Promise<{ results: ReduceTaskResult[]; details: ResultWriterDetails }> {
  const partitions = Array.from({ length: env.plan.reducers }, (_, partition) => ({ partition }));
  const results = [];
  for (const items of batches(partitions, partitionsPerTask)) {
    const input = { BatchInput: env.ref, Items: items };
    results.push({ input, output: await reduceTask(input, env.deps) });
  }
  const details = await writeMapRunResults(env.work, `${env.ref.prefix}results/reduce/`, results);
  return { results: results.map((r) => r.output), details };
}

const sum = (_word: string, counts: number[]) => counts.reduce((a, b) => a + b, 0);

/** Counts space-separated words, with a combiner: the reducer sees partial sums. */
export const wordcount = defineJob({
  input: lines(),
  map(line, emit: Emit<string, number>) {
    for (const word of line.split(' ')) if (word !== '') emit(word, 1);
  },
  combine: sum,
  reduce: sum,
});
