import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitEntrySchema, offsetEntrySchema, padBatch } from '../../../../framework/contract/stream.js';
import { deployedStream } from '../../../../framework/deploy/streams.js';
import { deployedDeps } from '../../../../framework/handlers/deployedDeps.js';
import { plainTaskHandler } from '../../../../framework/handlers/plainHandler.js';
import { taskHandlers } from '../../../../framework/handlers/taskHandlers.js';
import { defineStream, jsonLines, tumbling } from '../../../../framework/index.js';
import { sfnOrchestrator } from '../../../../framework/runtime/aws/sfnOrchestrator.js';
import { streamStep } from '../../../../framework/runtime/aws/streamStep.js';
import { buildDefinition } from '../../../../framework/statemachine/buildDefinition.js';
import { FileStore } from '../../../../framework/store/FileStore.js';
import { registerStoreOpener } from '../../../../framework/store/uri.js';
import { machineArn, startApi } from '../../engine/http/support.js';
import { fn } from '../../engine/support/fakes.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepmr-stream-step-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A windowed stream stepped by the deployed trigger's code (streamStep) over the real state
 * machine on the engine behind the Step Functions API, its tasks the deployed functions
 * (deployedDeps: only `s3://<stack bucket>/`, the stream loaded as `stream:<name>`), the stack's
 * bucket a folder here. Every batch must run with the watermark its claim fixed and publish
 * exactly the windows it closes, as the embedded runner does.
 */
const BUCKET = 'stack-data';
const SIZE = 10;
const DELAY = 5;
type Clicks = { k: string; t: number; n: number }[];
const windowed = defineStream({
  name: 'windowed',
  source: { prefix: 'in/windowed/' },
  input: jsonLines<{ k: string; t: number; n: number }>(),
  trigger: { every: '1s', maxFilesPerBatch: 2 },
  window: tumbling(SIZE, (record: { t: number }) => record.t),
  watermark: DELAY,
  map: (record, emit) => emit(record.k, record.n),
  reduce: (_k: string, values: number[]) => values.reduce((a, b) => a + b, 0),
  options: { reducers: 2 },
});

/** The stack's bucket in a folder, under its s3:// name, as the deployed functions see it. */
function bucketFolder(root: string): FileStore {
  const store = new FileStore(root);
  Object.defineProperty(store, 'url', { value: `s3://${BUCKET}/` });
  return store;
}

/**
 * Per batch, plainly: its watermark, and the windows it publishes (`start|key` → sum). `runs`
 * says which batches ran a job: those that took objects, and those of none that closed windows.
 */
function expectedWindows(batches: Clicks[], runs: boolean[]) {
  const watermarks: (number | undefined)[] = [];
  const sums = new Map<string, number>();
  let max: number | undefined;
  for (const records of batches) {
    const watermark = max === undefined ? undefined : max - DELAY;
    watermarks.push(watermark);
    for (const { k, t, n } of records) {
      const start = Math.floor(t / SIZE) * SIZE;
      if (watermark !== undefined && start + SIZE <= watermark) continue; // late
      sums.set(`${start}|${k}`, (sums.get(`${start}|${k}`) ?? 0) + n);
    }
    for (const { t } of records) max = max === undefined ? t : Math.max(max, t);
  }
  // A batch that ran no job closes nothing: its windows close in the next batch that runs.
  const published = batches.map(() => new Map<string, number>());
  for (const [id, sum] of sums) {
    const end = Number(id.split('|')[0]) + SIZE;
    const batch = watermarks.findIndex((w, b) => w !== undefined && end <= w && runs[b]);
    if (batch >= 0) published[batch]?.set(id, sum);
  }
  const last = max === undefined ? undefined : max - DELAY;
  return { watermarks, published, sums, last };
}

describe('a windowed stream on the deployed stack', () => {
  it('runs each batch with the watermark its claim fixed and publishes each window once, even across a batch of no objects', async () => {
    const root = join(dir, 'stack');
    const bucket = bucketFolder(root);
    const config = { jobs: {}, streams: { windowed } };
    const deps = () => deployedDeps(config, { bucket: BUCKET, bucketStore: () => bucket, tmpDir: dir });
    const tasks = taskHandlers(deps, plainTaskHandler);
    // Planning, as the trigger does, looks at the output location in the stack's bucket.
    registerStoreOpener('s3', (parsed, uri) => {
      if (parsed.scheme !== 's3' || parsed.bucket !== BUCKET) throw new Error(`no bucket for ${uri}`);
      return { store: bucket, key: parsed.key };
    });
    const stack = await startApi(tasks as never, {
      machines: {
        stepmr: buildDefinition({
          functions: {
            map: fn('map'),
            reduce: fn('reduce'),
            delegate: fn('delegate'),
            collect: fn('collect'),
          },
        }),
      },
      engine: {
        stores: (name) => {
          if (name !== BUCKET) throw new Error(`no bucket ${name}`);
          return bucket;
        },
      },
    });
    const stream = deployedStream(config, 'windowed');
    if (!stream) throw new Error('windowed is not deployed');
    const backend = {
      orchestrator: sfnOrchestrator(stack.sfn),
      stateMachineArn: machineArn('stepmr'),
      work: { store: bucket, bucket: BUCKET, prefix: 'work/' },
    };
    const step = () =>
      streamStep(
        { config, stream, stack: { bucket: BUCKET }, manual: false },
        { store: (prefix) => bucketFolder(join(root, prefix)), backend },
      );
    const contents = new Map<string, Clicks>();
    let clock = Date.parse('2026-12-02T10:00:00Z');
    const put = async (name: string, records: Clicks) => {
      const file = join(root, 'in', 'windowed', name);
      await mkdir(join(root, 'in', 'windowed'), { recursive: true });
      await writeFile(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      // Arrivals in order: the claim takes the oldest first.
      clock += 1000;
      await utimes(file, clock / 1000, clock / 1000);
      contents.set(`in/windowed/${name}`, records);
    };
    /** Steps the stream until it is idle, waiting for each batch's execution to end. */
    const drain = async () => {
      for (let outcome = await step(); outcome.outcome !== 'idle'; outcome = await step()) {
        expect(outcome.outcome).toBe('started');
        const arn = outcome.outcome === 'started' ? outcome.executionArn : '';
        for (;;) {
          const { status } = await backend.orchestrator.describeExecution({ executionArn: arn });
          if (status !== 'RUNNING') {
            expect(status).toBe('SUCCEEDED');
            break;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    };
    // Objects under the state folder that stepmr did not write, which no tidying may touch.
    const foreign = ['_state/notes.txt', '_state/batch=0000000000.bak/part-00000.jsonl', '_state/batch=x/a'];
    for (const key of foreign) {
      const file = join(root, 'out', 'streams', 'windowed', key);
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, 'kept\n');
    }
    try {
      await put('f0.jsonl', [
        { k: 'a', t: 1, n: 1 },
        { k: 'b', t: 3, n: 2 },
      ]);
      await put('f1.jsonl', [{ k: 'a', t: 12, n: 4 }]);
      await put('f2.jsonl', [
        { k: 'a', t: 25, n: 8 },
        { k: 'a', t: 2, n: 100 },
        { k: 'c', t: 9, n: 3 },
      ]);
      await put('f3.jsonl', [{ k: 'b', t: 31, n: 5 }]);
      await put('f4.jsonl', [
        { k: 'c', t: 15, n: 50 },
        { k: 'b', t: 44, n: 7 },
      ]);
      await drain();
      // A rewritten object is skipped: its batch takes nothing, runs no job, and carries the
      // open windows over to the batch after it.
      await put('f0.jsonl', [{ k: 'z', t: 0, n: 1000 }]);
      contents.set('in/windowed/f0.jsonl', [
        { k: 'a', t: 1, n: 1 },
        { k: 'b', t: 3, n: 2 },
      ]);
      await drain();
      await put('f5.jsonl', [{ k: 'a', t: 90, n: 1 }]);
      await drain();
      await put('f6.jsonl', [{ k: 'a', t: 95, n: 2 }]);
      await drain();

      const checkpoint = join(root, 'streams', 'windowed');
      const read = async (kind: string) =>
        (await readdir(join(checkpoint, kind)))
          .sort()
          .map(async (n) => JSON.parse(await readFile(join(checkpoint, kind, n), 'utf8')));
      const offsets = (await Promise.all(await read('offsets'))).map((o) => offsetEntrySchema.parse(o));
      const commits = (await Promise.all(await read('commits'))).map((c) => commitEntrySchema.parse(c));
      expect(commits.map((c) => c.batch)).toEqual(offsets.map((o) => o.batch));
      expect(offsets.some((o) => o.files.length === 0)).toBe(true);
      const want = expectedWindows(
        offsets.map((o) => o.files.flatMap((f) => contents.get(f.key) ?? [])),
        offsets.map((o) => o.files.length > 0 || o.closesWindows === true),
      );
      for (const [i, o] of offsets.entries()) {
        expect(o.eventTime?.watermark, `batch ${i}`).toBe(want.watermarks[i]);
        const got = new Map<string, number>();
        const folder = join(root, 'out', 'streams', 'windowed', `batch=${padBatch(o.batch)}`);
        const parts =
          o.files.length === 0 && !o.closesWindows
            ? []
            : (await readdir(folder)).filter((n) => n.startsWith('part-'));
        for (const part of parts) {
          for (const line of (await readFile(join(folder, part), 'utf8')).split('\n').filter(Boolean)) {
            const r = JSON.parse(line) as { window: { start: number }; key: string; value: number };
            expect(got.has(`${r.window.start}|${r.key}`)).toBe(false);
            got.set(`${r.window.start}|${r.key}`, r.value);
          }
        }
        expect(got, `batch ${i}`).toEqual(want.published[i]);
        // The commit names the open windows the next batch merges.
        expect(commits[i]?.state).toBeDefined();
      }
      expect([...want.published.values()].some((w) => w.size > 0)).toBe(true);
      // With no more data, every window the last watermark passed is published all the same:
      // batches of no objects ran to close them, and only then.
      const closedByNow = [...want.sums.keys()].filter(
        (id) => Number(id.split('|')[0]) + SIZE <= (want.last ?? 0),
      );
      const publishedIds = want.published.flatMap((m) => [...m.keys()]);
      expect(publishedIds.sort()).toEqual(closedByNow.sort());
      const noData = offsets.filter((o) => o.closesWindows);
      expect(noData.length).toBeGreaterThan(0);
      for (const o of noData) {
        expect(o.files).toEqual([]);
        const before = offsets[o.batch - 1];
        expect(o.eventTime?.watermark).toBeGreaterThan(
          before?.eventTime?.watermark ?? Number.NEGATIVE_INFINITY,
        );
      }

      // Each batch that starts removes the states older than the one it builds on but the
      // newest of them: left are that one, the one it builds on, and the last batch's own.
      const states = [...new Set(commits.map((c) => c.state as string))].sort();
      const last = offsets.findLastIndex((o) => o.files.length > 0 || o.closesWindows);
      const builtOn = states.indexOf(commits[last - 1]?.state as string);
      expect(builtOn).toBeGreaterThan(1);
      // Folders holding objects: a bucket has no empty folders (the store leaves them on disk).
      const files = await readdir(join(root, 'out', 'streams', 'windowed', '_state'), { recursive: true });
      const left = [
        ...new Set(
          files.filter((f) => /^batch=\d{10}\/.+\.jsonl$/.test(f)).map((f) => `_state/${f.split('/')[0]}/`),
        ),
      ].sort();
      expect(left).toEqual(states.slice(builtOn - 1));
      for (const key of foreign) {
        expect(await readFile(join(root, 'out', 'streams', 'windowed', key), 'utf8'), key).toBe('kept\n');
      }
    } finally {
      await stack.close();
    }
  }, 60_000);
});
