import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { combineStepOf } from '../aggregate/helpers.js';
import { parseTask } from '../delegate/parseTask.js';
import { StepmrError } from '../errors.js';
import { type BadRecordError, PartWriter, readSplit } from '../io/index.js';
import type { Job, MapContext } from '../job/defineJob.js';
import type { Key, Split } from '../job/types.js';
import { InvalidKeyError, keyLabel, MapOutputBuffer } from '../shuffle/index.js';
import { windowedMap } from '../stream/window.js';
import { countingDeps, usageOf } from './countRequests.js';
import type { TaskDeps } from './deps.js';
import { progressOf } from './deps.js';
import { BadRecordLimitError, UserCodeError } from './errors.js';
import { loadPlannedJob, openJobWork, removeIfEnded } from './jobWork.js';
import type { BadRecordSample, BadRecords, JobPlan, MapTaskEvent, MapTaskResult } from './payloads.js';
import { workKeys } from './payloads.js';
import { checkInput } from './scope.js';
import { timingOf } from './taskClock.js';
import { atUserCode } from './thrownAt.js';

type Sink = (key: Key, value: unknown) => void;

/** Shuffle objects up to this size are uploaded from memory rather than streamed. */
const SMALL_OBJECT = 8 * 1024 * 1024;

/**
 * Runs `map` over a batch of splits. With a reducer, emitted pairs are combined, partitioned
 * and written as ONE shuffle object (R sorted runs and an index); without one, they are
 * written in input order as a staged part. Output keys derive from the first split's id, so a
 * retried task overwrites its own output.
 *
 * @example
 * ```ts
 * const result = await mapTask({ BatchInput: ref, Items: splits }, deps);
 * console.log(result.recordsIn, result.shuffle?.key);
 * ```
 */
export async function mapTask(event: MapTaskEvent, given: TaskDeps): Promise<MapTaskResult> {
  const { deps, counts } = countingDeps(given);
  const started = deps.now();
  const ref = event.BatchInput;
  const opened = await openJobWork(ref, deps);
  const { store: work, plan } = opened;
  // Every split is checked before any is read: its URI comes from splits.jsonl, read back.
  for (const split of event.Items) checkInput(deps.scope, split.uri);
  const loaded = await loadPlannedJob(opened, deps);
  // A windowed stream batch: late records are dropped and counted, keys get their window.
  const windowed = plan.window ? windowedMap(loaded, plan.window) : undefined;
  const job = windowed ? { ...loaded, map: windowed.map } : loaded;
  const eventTime = () => (windowed ? { eventTime: windowed.stats() } : {});
  const first = event.Items[0]?.id ?? 0;
  const splits = event.Items.map((s) => s.id);
  let recordsOut = 0;
  const report = progressOf(deps, { jobId: ref.jobId, stage: 'map', task: first });
  report(0, 0, true);
  /** What every kind of map task reports, beside its own output. */
  const result = (read: MapRead, output: MapOutput): MapTaskResult => ({
    splits,
    ...output,
    recordsIn: read.records,
    bytesIn: read.bytes,
    ...badRecordsOf(read),
    ...eventTime(),
    ms: deps.now() - started,
    ...usageOf(counts),
    ...timingOf(started, event.Attempt),
  });

  if (job.delegate) {
    // A delegate job's map stage only turns records into tasks; the delegate stage calls them.
    const build = job.delegate.task;
    const lines: string[] = [];
    const asTasks: Job = { ...job, map: (record, emit) => emit(null, taskLine(taskOf(build(record)))) };
    const read = await runMap(
      asTasks,
      event.Items,
      deps,
      plan,
      (_key, line) => {
        lines.push(`${line as string}\n`);
      },
      report,
    );
    const key = workKeys.tasks(ref, first);
    await work.put(key, lines.join(''));
    await removeIfEnded(opened, [key]);
    return result(read, { tasks: { key, count: lines.length }, recordsOut: lines.length, spills: 0 });
  }

  if (job.reduce) {
    // The buffer makes its working directory (spills, the shuffle file) only when it needs one.
    const buffer = new MapOutputBuffer<Key, unknown>({
      partitions: plan.reducers,
      memoryBudgetBytes: plan.memoryBudget,
      spillDir: deps.tmpDir,
      ...(job.combine ? combiner(job.combine) : {}),
    });
    try {
      const read = await runMap(
        job,
        event.Items,
        deps,
        plan,
        (k, v) => {
          recordsOut++;
          buffer.add(k, v);
        },
        report,
      );
      // combine also runs here, over pairs of every split of the batch: name them all.
      const out = await buffer.finish().catch((error: unknown) => {
        throw naming(event.Items, error);
      });
      const key = workKeys.shuffle(ref, first);
      await work.put(key, out.bytes <= SMALL_OBJECT ? await readFile(out.path) : createReadStream(out.path));
      await removeIfEnded(opened, [key]);
      return result(read, { shuffle: { key, bytes: out.bytes }, recordsOut, spills: out.spills });
    } finally {
      buffer.dispose();
    }
  }

  const writer = new PartWriter(plan.outputFormat);
  const read = await runMap(
    job,
    event.Items,
    deps,
    plan,
    (k, v) => {
      recordsOut++;
      writer.write(k, v);
    },
    report,
  );
  const body = writer.finish();
  const key = workKeys.part(ref, first);
  await work.put(key, body);
  await removeIfEnded(opened, [key]);
  const part = { part: first, key, records: writer.records, bytes: writer.bytes, sha256: writer.sha256() };
  return result(read, { part, recordsOut, spills: 0 });
}

/**
 * A task as one JSON line, refused past what one call may take in Step Functions: the delegate
 * stage's batches (a task, its index and the job's reference) hold 256 KiB at most.
 */
function taskLine(task: unknown): string {
  const line = JSON.stringify(task);
  const bytes = Buffer.byteLength(line);
  if (bytes > MAX_TASK_BYTES) {
    throw new Error(
      `delegate returned a task of ${Math.ceil(bytes / 1024)} KiB; a task may take ${MAX_TASK_BYTES / 1024} KiB (Step Functions passes at most 256 KiB to a delegate task): send a reference, such as an S3 key, rather than the data`,
    );
  }
  return line;
}

/** The largest task, as JSON: 256 KiB less room for its index and the batch's job reference. */
const MAX_TASK_BYTES = 250 * 1024;

/** A task `delegate` returned, checked against the task contract (the executor checks it again). */
function taskOf(task: unknown): unknown {
  const checked = parseTask(task);
  if (!checked.ok) {
    throw new Error(
      `delegate returned no valid task (${checked.reason}); build one with gateway(), http() or lambda()`,
    );
  }
  return checked.task;
}

function badRecordsOf(read: MapRead): { badRecords?: BadRecords } {
  return read.bad.count > 0 ? { badRecords: read.bad } : {};
}

/** A map task's own output: a delegate job's tasks, a shuffle object, or a map-only part. */
type MapOutput = Pick<MapTaskResult, 'recordsOut' | 'spills'> &
  (
    | { readonly tasks: NonNullable<MapTaskResult['tasks']> }
    | { readonly shuffle: NonNullable<MapTaskResult['shuffle']> }
    | { readonly part: NonNullable<MapTaskResult['part']> }
  );

/** What a task read: records and bytes, and the bad records it skipped. */
interface MapRead {
  readonly records: number;
  readonly bytes: number;
  readonly bad: { count: number; samples: BadRecordSample[] };
}

/** Bad records a task keeps as samples for `_SUCCESS`. */
const SAMPLES_PER_TASK = 10;

async function runMap(
  job: Job,
  splits: readonly Split[],
  deps: TaskDeps,
  plan: JobPlan,
  sink: Sink,
  report: (bytes: number, records: number) => void,
): Promise<MapRead> {
  let records = 0;
  let bytes = 0;
  const bad = { count: 0, samples: [] as BadRecordSample[] };
  // Under the skip policy a bad record is counted and sampled; past the job's maximum the task
  // fails (the commit checks the job's total).
  const onBadRecord =
    plan.badRecords.policy === 'skip'
      ? (error: BadRecordError) => {
          bad.count++;
          const { uri, offset, line } = error.position;
          if (bad.samples.length < SAMPLES_PER_TASK)
            bad.samples.push({ uri, offset, line, reason: error.reason });
          if (bad.count > plan.badRecords.max) {
            throw new BadRecordLimitError(
              `more than ${plan.badRecords.max} bad records (--max-bad-records); the last: ${error.message}`,
              { cause: error },
            );
          }
        }
      : undefined;
  for (const split of splits) {
    const ctx = { uri: split.uri, offset: 0, line: undefined as number | undefined };
    const context: MapContext = ctx;
    const before = { bytes, records };
    const length = split.end - split.start;
    let seen = 0;
    const onRecord = (record: unknown, offset: number, line: number | undefined) => {
      ctx.offset = offset;
      ctx.line = line;
      // Every 1024 records, the bytes read so far (of a .gz split, its uncompressed offset, capped).
      if ((++seen & 1023) === 0) {
        report(before.bytes + Math.min(length, Math.max(0, offset - split.start)), before.records + seen);
      }
      let result: void | Promise<void>;
      try {
        result = job.map(record, sink, context);
      } catch (cause) {
        throw userError(split, offset, line, cause);
      }
      // An async map: its rejection names the record too.
      return result instanceof Promise
        ? result.catch((cause: unknown) => {
            throw userError(split, offset, line, cause);
          })
        : undefined;
    };
    const read = await readSplit(deps.open(split.uri), split, plan.input, onRecord, {
      maxRecordBytes: plan.maxRecordBytes,
      ...(onBadRecord ? { onBadRecord } : {}),
    }).catch((error: unknown) => {
      throw naming([split], error);
    });
    records += read.records;
    bytes += read.bytes;
    report(bytes, records);
  }
  return { records, bytes, bad };
}

/** The buffer's combine options: the guarded combine, and its one-value fold when it has one. */
function combiner(combine: (key: Key, values: unknown[]) => unknown) {
  const step = combineStepOf(combine) as ((folded: unknown, value: unknown) => unknown) | undefined;
  return { combine: guardCombine(combine), ...(step ? { combineStep: step } : {}) };
}

/**
 * The user's combine, whose exceptions name the key (they may happen far from any record) by
 * its label (`key#<hash>`), never by its content: messages reach payloads, logs and `_SUCCESS`.
 */
function guardCombine(combine: (key: Key, values: unknown[]) => unknown) {
  return (key: Key, values: unknown[]) => {
    try {
      return combine(key, values);
    } catch (cause) {
      if (cause instanceof StepmrError) throw cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new UserCodeError(`combine threw on ${keyLabel(key)}: ${message}${atUserCode(cause)}`, { cause });
    }
  };
}

/** Splits a message names one by one; past them, it says how many more. */
const NAMED_SPLITS = 3;

/**
 * An error of reading or mapping splits, made to name them (file and byte range) when its
 * message does not name a file yet: a store failure, a retryable error the user's code threw,
 * or combine's error at the end of a task. Its name, and so how the state machine retries it,
 * stays.
 */
function naming(splits: readonly Split[], error: unknown): unknown {
  if (error instanceof Error && !splits.some((s) => error.message.includes(s.uri))) {
    const named = splits
      .slice(0, NAMED_SPLITS)
      .map((s) => `split ${s.id}: ${s.uri} bytes ${s.start}-${s.end}`);
    if (splits.length > NAMED_SPLITS) named.push(`${splits.length - NAMED_SPLITS} more splits`);
    error.message = `${error.message} (${named.join('; ')})`;
  }
  return error;
}

function userError(split: Split, offset: number, line: number | undefined, cause: unknown): Error {
  const where = line === undefined ? `byte ${offset}` : `line ${line}`;
  const record = `the record at ${split.uri} ${where} (split ${split.id}, bytes ${split.start}-${split.end})`;
  // A key map emitted: the message says what kind of value it was, and now which record.
  if (cause instanceof InvalidKeyError) {
    cause.message = `${cause.message}; map emitted it on ${record}`;
    return cause;
  }
  // The framework's own errors (a bad record, a store failure) keep their name and advice.
  if (cause instanceof StepmrError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new UserCodeError(`map threw on ${record}: ${message}${atUserCode(cause)}`, { cause });
}
