import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type Emit, lines } from '../../../framework/index.js';
import type { ByteRange, ObjectInfo, Store, VersionedObject } from '../../../framework/store/Store.js';
import { collectTask, partName, stopJobWork } from '../../../framework/tasks/collectTask.js';
import { CommitVerificationError, JobStoppedError } from '../../../framework/tasks/errors.js';
import type { SuccessManifest } from '../../../framework/tasks/manifest.js';
import { mapTask } from '../../../framework/tasks/mapTask.js';
import {
  type CommitResult,
  type PrepareReduceResult,
  type ResultWriterDetails,
  type StagedPart,
  workKeys,
} from '../../../framework/tasks/payloads.js';
import { reduceTask } from '../../../framework/tasks/reduceTask.js';
import {
  type EnvOptions,
  listKeys,
  makeText,
  ownedLines,
  runMapStage,
  runReduceStage,
  type TaskEnv,
  taskEnv,
  wordcount,
  writeMapRunResults,
} from './support.js';

const upper = defineJob({
  input: lines(),
  map(line, emit: Emit<number, string>, ctx) {
    emit(ctx.offset, line.toUpperCase());
  },
});

const INPUTS = { 'a.txt': makeText(21, 500), 'b.txt': makeText(22, 400, { crlf: true }) };

/** A store that records what is done to it, over a FileStore; its URL is not `file:`. */
class RecordingStore implements Store {
  readonly url = 's3://output-bucket/';
  readonly ops: string[] = [];
  constructor(
    private readonly inner: Store,
    /** A key whose first `put` fails, or a `delete k1,k2` whose first try fails, as if the function died there. */
    private crashAt?: string,
    /** Runs before each `put`, as something else happening meanwhile. */
    private readonly beforePut: (key: string) => Promise<void> = async () => undefined,
  ) {}
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  getRange(key: string, range: ByteRange): Promise<Buffer> {
    return this.inner.getRange(key, range);
  }
  read(key: string, range?: ByteRange): Readable {
    return this.inner.read(key, range);
  }
  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    await this.beforePut(key);
    if (key === this.crashAt) {
      this.crashAt = undefined;
      return Promise.reject(new Error(`the function died while writing ${key}`));
    }
    this.ops.push(`put ${key}`);
    return this.inner.put(key, body);
  }
  getVersioned(key: string): Promise<VersionedObject> {
    return this.inner.getVersioned(key);
  }
  putIfAbsent(key: string, body: Buffer | string | Readable): Promise<string> {
    this.ops.push(`putIfAbsent ${key}`);
    return this.inner.putIfAbsent(key, body);
  }
  compareAndSwap(key: string, etag: string, body: Buffer | string | Readable): Promise<string> {
    this.ops.push(`compareAndSwap ${key}`);
    return this.inner.compareAndSwap(key, etag, body);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    const op = `delete ${keys.join(',')}`;
    if (op === this.crashAt) {
      this.crashAt = undefined;
      return Promise.reject(new Error(`the function died at ${op}`));
    }
    this.ops.push(op);
    return this.inner.delete(keys);
  }
  move(from: string, to: string): Promise<void> {
    this.ops.push(`move ${from} ${to}`);
    return this.inner.move(from, to);
  }
}

let env: TaskEnv | undefined;
afterEach(() => env?.cleanup());

/** An environment whose output store is recorded; `opened` lists every URI the task opened for output. */
async function recordedEnv(
  job: Parameters<typeof taskEnv>[0],
  reducers: number,
  crashAt?: string,
  beforePut?: (key: string) => Promise<void>,
  setup: Pick<EnvOptions, 'output' | 'overwrite'> = {},
) {
  let recorder: RecordingStore | undefined;
  const opened: string[] = [];
  const e = await taskEnv(job, INPUTS, {
    ...setup,
    reducers,
    splitSize: 2048,
    open: (uri, fallback) => {
      if (!uri.startsWith(e.plan.output)) return fallback(uri);
      opened.push(uri);
      const inner = fallback(uri);
      recorder ??= new RecordingStore(inner.store, crashAt, beforePut);
      return { store: recorder, key: inner.key };
    },
  });
  env = e;
  return { env: e, opened, ops: () => recorder?.ops ?? [] };
}

/** Bytes of every staged part, read before the commit moves them. */
async function stagedBytes(e: TaskEnv, parts: readonly StagedPart[]) {
  return Promise.all(parts.map(async (p) => ({ part: p, body: await e.work.get(p.key) })));
}

/** A sibling job in the same bucket whose id starts with this job's id. */
async function sibling(e: TaskEnv): Promise<string> {
  const key = `${e.ref.jobId}0/job.json`;
  await e.work.put(key, '{}');
  return key;
}

function outputFiles(e: TaskEnv): string[] {
  return readdirSync(e.outputDir).sort();
}

describe('collectTask prepareReduce', () => {
  it('indexes the shuffle objects of the succeeded map tasks and lists the partitions', async () => {
    env = await taskEnv(wordcount, INPUTS, { reducers: 3, splitSize: 2048 });
    const maps = await runMapStage(env, 2);
    const result = (await collectTask(
      { action: 'prepareReduce', ...env.ref, map: maps.details },
      env.deps,
    )) as PrepareReduceResult;
    let bytes = 0;
    for (const m of maps.results) bytes += (await env.work.head(m.shuffle?.key ?? ''))?.size ?? 0;
    expect(result).toEqual({ partitions: 3, mapTasks: maps.results.length, shuffleBytes: bytes });
    const listed = (await env.work.get(workKeys.partitions(env.ref))).toString('utf8');
    expect(
      listed
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ partition: 0 }, { partition: 1 }, { partition: 2 }]);
  });
});

describe('collectTask commit', () => {
  it('moves exactly the staged reduce parts, writes _SUCCESS last and removes the work but the plan', async () => {
    const { env: e, ops } = await recordedEnv(wordcount, 3);
    const other = await sibling(e);
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 2);
    const staged = await stagedBytes(
      e,
      reduces.results.flatMap((r) => r.parts),
    );

    const result = (await collectTask(
      { action: 'commit', ...e.ref, map: maps.details, reduce: reduces.details },
      e.deps,
    )) as CommitResult;

    const names = staged.map((s) => partName(s.part.part, { kind: 'jsonl' }));
    expect(outputFiles(e)).toEqual([...names, '_SUCCESS'].sort());
    const manifest = JSON.parse(readFileSync(join(e.outputDir, '_SUCCESS'), 'utf8')) as SuccessManifest;
    let records = 0;
    let bytes = 0;
    staged.forEach(({ part, body }, i) => {
      const name = names[i] as string;
      const published = readFileSync(join(e.outputDir, name));
      expect(published.equals(body), name).toBe(true);
      const lines = published.toString('utf8').split('\n').length - 1;
      expect(manifest.parts[i]).toEqual({
        name,
        records: lines,
        bytes: published.length,
        sha256: createHash('sha256').update(published).digest('hex'),
        recordsIn: part.recordsIn,
        bytesIn: part.bytesIn,
      });
      expect(part.records).toBe(lines);
      records += lines;
      bytes += published.length;
    });
    expect(manifest.parts).toHaveLength(staged.length);
    expect(manifest.records).toEqual({ in: e.splits.flatMap(ownedLines).length, out: records });
    expect(manifest.bytes.out).toBe(bytes);
    expect(manifest.stages.map.tasks).toBe(maps.results.length);
    expect(manifest.stages.reduce?.tasks).toBe(reduces.results.length);
    expect(result).toEqual({ output: e.plan.output, parts: 3, records, bytes });

    // _SUCCESS is the last object written to the output; nothing is written after it.
    const writes = ops().filter((op) => op.startsWith('put ') || op.startsWith('move '));
    expect(writes).toEqual([...names.map((n) => `put ${n}`), 'put _SUCCESS']);
    // Only the plan stays, for a duplicate commit to find the job committed.
    expect(await listKeys(e.work, e.ref.prefix)).toEqual([workKeys.plan(e.ref)]);
    expect(await e.work.head(other)).toBeDefined();
  });

  // The Commit task is retried on Sandbox.Timedout and Runtime.ExitError: a commit that died
  // after publishing some parts runs again and must finish the job, not refuse it.
  it('completes when retried after dying partway through publishing', async () => {
    const { env: e, ops } = await recordedEnv(wordcount, 3, 'part-00001.jsonl');
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 1);
    const staged = await stagedBytes(
      e,
      reduces.results.flatMap((r) => r.parts),
    );
    const event = { action: 'commit' as const, ...e.ref, map: maps.details, reduce: reduces.details };
    await expect(collectTask(event, e.deps)).rejects.toThrow(/died while writing part-00001/);
    expect(ops()).toEqual(['put part-00000.jsonl']);

    const result = (await collectTask(event, e.deps)) as CommitResult;
    expect(result.parts).toBe(3);
    const inOrder = [...staged].sort((a, b) => a.part.part - b.part.part);
    const names = inOrder.map((_, i) => partName(i, { kind: 'jsonl' }));
    expect(outputFiles(e)).toEqual([...names, '_SUCCESS'].sort());
    for (const [i, { body }] of inOrder.entries()) {
      expect(readFileSync(join(e.outputDir, names[i] as string)).equals(body)).toBe(true);
    }
    expect(ops().at(-1)).toBe('put _SUCCESS');
  });

  it('publishes the staged parts of a map-only job, numbered from 0 in input order', async () => {
    env = await taskEnv(upper, INPUTS, { splitSize: 2048 });
    const maps = await runMapStage(env, 4);
    const staged = await stagedBytes(
      env,
      maps.results.flatMap((m) => (m.part ? [m.part] : [])),
    );
    expect(staged.length).toBe(maps.results.length);
    await collectTask({ action: 'commit', ...env.ref, map: maps.details }, env.deps);
    // Tasks of 4 splits each: the parts are the tasks in split order, numbered 0, 1, 2, …
    const inOrder = [...staged].sort((a, b) => a.part.part - b.part.part);
    const names = inOrder.map((_, i) => partName(i, { kind: 'jsonl' }));
    expect(inOrder.map((s) => s.part.part)).toEqual(inOrder.map((_, i) => 4 * i));
    expect(outputFiles(env)).toEqual([...names, '_SUCCESS'].sort());
    for (const [i, { body }] of inOrder.entries()) {
      expect(readFileSync(join(env.outputDir, names[i] as string)).equals(body)).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(env.outputDir, '_SUCCESS'), 'utf8')) as SuccessManifest;
    expect(manifest.records.out).toBe(env.splits.flatMap(ownedLines).length);
    expect(await listKeys(env.work, env.ref.prefix)).toEqual([workKeys.plan(env.ref)]);
  });

  it('lists the map tasks that failed (tolerated) in _SUCCESS', async () => {
    env = await taskEnv(upper, INPUTS, { splitSize: 1 << 20 });
    const maps = await runMapStage(env, 1);
    const failedInput = {
      BatchInput: env.ref,
      Items: [{ id: 99, uri: 'file:///gone.txt', start: 0, end: 1 }],
    };
    const map = await writeMapRunResults(
      env.work,
      `${env.ref.prefix}results/map2/`,
      maps.results.map((output, i) => ({ input: { Items: [env?.splits[i]] }, output })),
      [{ input: failedInput, error: 'ObjectNotFoundError', cause: 'No object at /gone.txt' }],
    );
    await collectTask({ action: 'commit', ...env.ref, map }, env.deps);
    const manifest = JSON.parse(readFileSync(join(env.outputDir, '_SUCCESS'), 'utf8')) as SuccessManifest;
    expect(manifest.stages.map.failedTasks).toBe(1);
    expect(manifest.failedSplits).toEqual([
      { splits: failedInput.Items, error: 'ObjectNotFoundError', message: 'No object at /gone.txt' },
    ]);
  });

  /** Stages a reduce job, damages its staging with `damage`, and checks the commit refuses. */
  async function expectRefused(
    damage: (e: TaskEnv, parts: StagedPart[], reduce: ResultWriterDetails) => Promise<ResultWriterDetails>,
    message: RegExp,
  ) {
    const { env: e, ops } = await recordedEnv(wordcount, 3);
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 1);
    const parts = reduces.results.flatMap((r) => r.parts);
    const reduce = await damage(e, parts, reduces.details);
    const commit = collectTask({ action: 'commit', ...e.ref, map: maps.details, reduce }, e.deps);
    await expect(commit).rejects.toBeInstanceOf(CommitVerificationError);
    await expect(commit).rejects.toMatchObject({ name: 'CommitVerificationError', retryable: false });
    await expect(commit).rejects.toThrow(message);
    expect(outputFiles(e)).toEqual([]);
    expect(ops()).toEqual([]);
    // Nothing was cleaned up either: the staged parts are still there for a retry or an abort.
    expect((await listKeys(e.work, `${e.ref.prefix}parts/`)).length).toBeGreaterThan(0);
  }

  it('refuses when a staged part is missing', async () => {
    await expectRefused(async (e, parts, reduce) => {
      await e.work.delete([parts[1]?.key ?? '']);
      return reduce;
    }, /part-00001 is missing/);
  });

  it('refuses when a staged part has another size than its task reported', async () => {
    await expectRefused(async (e, parts, reduce) => {
      const key = parts[2]?.key ?? '';
      const file = join(e.dir, 'work', key);
      writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('{"key":"extra","value":1}\n')]));
      return reduce;
    }, /part-00002 is \d+ bytes, its task wrote \d+ bytes/);
  });

  it('refuses when fewer reduce parts than reducers are staged', async () => {
    await expectRefused(async (e) => {
      // The reduce run's results report partitions 0 and 2 only.
      const results = [];
      for (const partition of [0, 2]) {
        const input = { BatchInput: e.ref, Items: [{ partition }] };
        results.push({ input, output: await reduceTask(input, e.deps) });
      }
      return writeMapRunResults(e.work, `${e.ref.prefix}results/partial/`, results);
    }, /2 reduce parts staged, 3 expected/);
  });
});

/** An earlier stepmr result of `parts` parts, as its commit wrote it: file name → text. */
function earlierResult(jobId: string, parts: number): Record<string, string> {
  const files: Record<string, string> = {};
  const listed = [];
  for (let part = 0; part < parts; part++) {
    const name = partName(part, { kind: 'jsonl' });
    const body = `{"key":"earlier-${part}","value":${part}}\n`;
    files[name] = body;
    const sha256 = createHash('sha256').update(body).digest('hex');
    listed.push({ name, records: 1, bytes: Buffer.byteLength(body), sha256 });
  }
  files._SUCCESS = `${JSON.stringify({ version: 1, jobId, job: 'test-job', format: 'jsonl', parts: listed }, null, 2)}\n`;
  return files;
}

/** Every file under a directory, by relative name, with its text. */
function tree(dir: string, under = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const name = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of tree(dir, name)) files.set(k, v);
    else files.set(name, readFileSync(join(dir, name), 'utf8'));
  }
  return files;
}

describe('collectTask commit replacing an earlier result (--overwrite)', () => {
  const EARLIER = 'test-job-20251201T000000-abcdef';
  /** What else the output holds: a user's files, a part name the earlier result does not list, stepmr's folders. */
  const USERS = {
    'notes.txt': 'my notes\n',
    'src/main.ts': 'console.log(1);\n',
    'part-00009.jsonl': '{"key":"mine","value":9}\n',
    '_temporary/other-job-20251130T000000-000000/job.json': '{}\n',
  };
  const EARLIER_WORK = { [`_temporary/${EARLIER}/kept.json`]: '{}\n' };

  /** Runs the stages of a 3-reducer job planned over an output holding a 5-part result and `USERS`. */
  async function replacing(crashAt?: string) {
    const output = { ...earlierResult(EARLIER, 5), ...USERS, ...EARLIER_WORK };
    const recorded = await recordedEnv(wordcount, 3, crashAt, undefined, { output, overwrite: true });
    const e = recorded.env;
    expect(e.plan.overwrite).toBe(true);
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 2);
    const staged = await stagedBytes(
      e,
      reduces.results.flatMap((r) => r.parts),
    );
    const event = { action: 'commit' as const, ...e.ref, map: maps.details, reduce: reduces.details };
    return { ...recorded, e, event, staged };
  }

  /** The output after the replacement: the new parts and _SUCCESS, and every file of `USERS` as it was. */
  function expectReplaced(e: TaskEnv, staged: readonly { part: StagedPart; body: Buffer }[]) {
    const got = tree(e.outputDir);
    const names = staged.map((s) => partName(s.part.part, { kind: 'jsonl' }));
    expect([...got.keys()].sort()).toEqual([...names, '_SUCCESS', ...Object.keys(USERS)].sort());
    for (const [name, body] of Object.entries(USERS)) expect(got.get(name), name).toBe(body);
    for (const [i, { body }] of staged.entries()) {
      expect(readFileSync(join(e.outputDir, names[i] as string)).equals(body)).toBe(true);
    }
    const manifest = JSON.parse(got.get('_SUCCESS') ?? '') as SuccessManifest;
    expect(manifest.jobId).toBe(e.ref.jobId);
    expect(manifest.parts.map((p) => p.name)).toEqual(names);
  }

  it("removes exactly the parts the earlier _SUCCESS lists and its job's working folder, _SUCCESS first", async () => {
    const { e, event, staged, ops } = await replacing();
    await collectTask(event, e.deps);
    expectReplaced(e, staged);
    const earlierParts = Object.keys(earlierResult(EARLIER, 5)).filter((n) => n !== '_SUCCESS');
    const deletes = ops().filter((op) => op.startsWith('delete '));
    expect(deletes).toEqual([
      'delete _SUCCESS',
      `delete ${earlierParts.join(',')}`,
      `delete ${Object.keys(EARLIER_WORK).join(',')}`,
    ]);
    expect(ops()[0]).toBe('delete _SUCCESS');
    expect(await listKeys(e.work, e.ref.prefix)).toEqual([workKeys.plan(e.ref)]);
  });

  // The Commit task is retried when the function dies: one that died after removing the earlier
  // _SUCCESS must still remove exactly the parts it listed (here part-00003 and part-00004,
  // which no new part replaces), and nothing else.
  it('a commit retried after it removed the earlier _SUCCESS still removes exactly its parts', async () => {
    const parts = Object.keys(earlierResult(EARLIER, 5)).filter((n) => n !== '_SUCCESS');
    const { e, event, staged, ops } = await replacing(`delete ${parts.join(',')}`);
    await expect(collectTask(event, e.deps)).rejects.toThrow(/died at delete part-00000/);
    expect(existsSync(join(e.outputDir, '_SUCCESS'))).toBe(false);
    expect(ops()).toEqual(['delete _SUCCESS']);

    await collectTask(event, e.deps);
    expectReplaced(e, staged);
    expect(await listKeys(e.work, e.ref.prefix)).toEqual([workKeys.plan(e.ref)]);
  });

  it('replaces nothing when the output no longer holds a stepmr result at the commit', async () => {
    const { e, event } = await replacing();
    // Another tool's result, written there since the job was planned.
    writeFileSync(join(e.outputDir, '_SUCCESS'), '{"jobId":"spark-1","files":["../notes.txt"]}\n');
    const before = tree(e.outputDir);
    await expect(collectTask(event, e.deps)).rejects.toThrow(
      /no longer holds a stepmr result \(its _SUCCESS is not a stepmr manifest.*choose another output, or empty that one yourself/,
    );
    expect(tree(e.outputDir)).toEqual(before);
  });
});

describe('collectTask abort', () => {
  it('removes the work prefix and leaves what is not its own part in the output', async () => {
    const { env: e, ops } = await recordedEnv(wordcount, 2);
    const other = await sibling(e);
    writeFileSync(join(e.outputDir, 'earlier-result.jsonl'), 'keep me\n');
    const maps = await runMapStage(e, 2);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    await runReduceStage(e, 1);
    expect((await listKeys(e.work, e.ref.prefix)).length).toBeGreaterThan(5);

    const result = await collectTask(
      { action: 'abort', ...e.ref, error: { Error: 'UserCodeError', Cause: 'map threw' } },
      e.deps,
    );
    expect(result).toEqual({ aborted: true });
    expect(await listKeys(e.work, e.ref.prefix)).toEqual([]);
    expect(await e.work.head(other)).toBeDefined();
    expect(ops()).toEqual([]);
    expect(outputFiles(e)).toEqual(['earlier-result.jsonl']);
    expect(readFileSync(join(e.outputDir, 'earlier-result.jsonl'), 'utf8')).toBe('keep me\n');
  });

  // A commit that published some parts and then failed for good (its retries spent) is
  // followed by the Abort step: it must leave no stray part that looks like a result.
  it('removes the parts a failed commit had published, and nothing else', async () => {
    const { env: e } = await recordedEnv(wordcount, 3, 'part-00002.jsonl');
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 1);
    writeFileSync(join(e.outputDir, 'notes.txt'), 'not a part\n');
    const event = { action: 'commit' as const, ...e.ref, map: maps.details, reduce: reduces.details };
    await expect(collectTask(event, e.deps)).rejects.toThrow(/died while writing part-00002/);
    expect(outputFiles(e)).toEqual(['notes.txt', 'part-00000.jsonl', 'part-00001.jsonl']);

    await collectTask({ action: 'abort', ...e.ref }, e.deps);
    expect(outputFiles(e)).toEqual(['notes.txt']);
    expect(await listKeys(e.work, e.ref.prefix)).toEqual([]);
    // An abort run twice finds nothing more to do.
    expect(await collectTask({ action: 'abort', ...e.ref }, e.deps)).toEqual({ aborted: true });
    expect(outputFiles(e)).toEqual(['notes.txt']);
  });

  it('leaves an earlier committed result (with its _SUCCESS) untouched', async () => {
    const { env: e, ops } = await recordedEnv(wordcount, 2);
    const earlier = { 'part-00000.jsonl': '{"key":"a","value":1}\n', _SUCCESS: '{"jobId":"earlier"}\n' };
    for (const [name, body] of Object.entries(earlier)) writeFileSync(join(e.outputDir, name), body);
    await runMapStage(e, 2);
    await collectTask({ action: 'abort', ...e.ref }, e.deps);
    expect(ops()).toEqual([]);
    for (const [name, body] of Object.entries(earlier)) {
      expect(readFileSync(join(e.outputDir, name), 'utf8')).toBe(body);
    }
    expect(outputFiles(e)).toEqual(Object.keys(earlier).sort());
  });

  it('succeeds when the job left no working objects', async () => {
    env = await taskEnv(wordcount, INPUTS);
    await env.work.delete(await listKeys(env.work, env.ref.prefix));
    expect(await collectTask({ action: 'abort', ...env.ref }, env.deps)).toEqual({ aborted: true });
  });
});

describe('collectTask under the faults of a commit protocol', () => {
  // A task attempt that Step Functions gave up on (it timed out, and its retry succeeded) can
  // still be running, and write its staged part while, or after, the job commits.
  it('commits a job while an abandoned attempt of one of its tasks is still running', async () => {
    env = await taskEnv(upper, INPUTS, { splitSize: 2048 });
    const e = env;
    const maps = await runMapStage(e, 2);
    const staged = await stagedBytes(
      e,
      maps.results.flatMap((m) => (m.part ? [m.part] : [])),
    );
    const batch = { BatchInput: e.ref, Items: e.splits.slice(0, 2) };
    const during = mapTask(batch, e.deps);
    await collectTask({ action: 'commit', ...e.ref, map: maps.details }, e.deps);
    await during;
    const success = readFileSync(join(e.outputDir, '_SUCCESS'));
    const after = await mapTask(batch, e.deps);

    const inOrder = [...staged].sort((a, b) => a.part.part - b.part.part);
    const names = inOrder.map((_, i) => partName(i, { kind: 'jsonl' }));
    expect(outputFiles(e)).toEqual([...names, '_SUCCESS'].sort());
    for (const [i, { body }] of inOrder.entries()) {
      expect(readFileSync(join(e.outputDir, names[i] as string)).equals(body)).toBe(true);
    }
    expect(readFileSync(join(e.outputDir, '_SUCCESS')).equals(success)).toBe(true);
    // What the late attempt staged stays in the work area (which expires), never in the output.
    expect(after.part?.key.startsWith(e.ref.prefix)).toBe(true);
  });

  it('a duplicate commit of a committed job changes nothing and reports the same result', async () => {
    const { env: e, ops } = await recordedEnv(wordcount, 3);
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 1);
    const event = { action: 'commit', ...e.ref, map: maps.details, reduce: reduces.details } as const;
    const first = await collectTask(event, e.deps);
    const files = outputFiles(e).map((name) => [name, readFileSync(join(e.outputDir, name))] as const);
    const writes = ops().length;

    expect(await collectTask(event, e.deps)).toEqual(first);
    expect(
      ops()
        .slice(writes)
        .filter((op) => !op.startsWith('delete')),
    ).toEqual([]);
    expect(outputFiles(e)).toEqual(files.map(([name]) => name));
    for (const [name, body] of files)
      expect(readFileSync(join(e.outputDir, name)).equals(body), name).toBe(true);
  });

  it('a job stopped before its commit publishes nothing', async () => {
    const { env: e } = await recordedEnv(wordcount, 2);
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 1);
    await stopJobWork(e.work, e.ref);
    const commit = collectTask(
      { action: 'commit', ...e.ref, map: maps.details, reduce: reduces.details },
      e.deps,
    );
    await expect(commit).rejects.toThrow(JobStoppedError);
    expect(outputFiles(e)).toEqual([]);
  });

  it('a commit running when its job is stopped takes back the parts it published', async () => {
    let stop: () => Promise<unknown> = async () => undefined;
    const { env: e } = await recordedEnv(wordcount, 3, undefined, async (key) => {
      if (key.endsWith('part-00001.jsonl')) await stop();
    });
    stop = () => stopJobWork(e.work, e.ref);
    const maps = await runMapStage(e, 3);
    await collectTask({ action: 'prepareReduce', ...e.ref, map: maps.details }, e.deps);
    const reduces = await runReduceStage(e, 1);
    const commit = collectTask(
      { action: 'commit', ...e.ref, map: maps.details, reduce: reduces.details },
      e.deps,
    );
    await expect(commit).rejects.toThrow(/was stopped \(stepmr stop\): its commit publishes nothing/);
    expect(outputFiles(e)).toEqual([]);
    expect((await listKeys(e.work, e.ref.prefix)).sort()).toEqual(
      [workKeys.plan(e.ref), workKeys.stopped(e.ref)].sort(),
    );
  });
});
