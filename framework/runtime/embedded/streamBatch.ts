import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { OffsetEntry } from '../../contract/stream.js';
import type { EngineEvent } from '../../engine/index.js';
import { resolveOptions } from '../../job/options.js';
import type { InputFile } from '../../plan/listInputs.js';
import type { FileStore } from '../../store/FileStore.js';
import { toUri } from '../../store/uri.js';
import { type Claim, claimNextBatch, commitBatch, type StreamSource } from '../../stream/claim.js';
import type { Stream } from '../../stream/defineStream.js';
import { batchFolder, batchJobId, previousSnapshot, publishedBatch } from '../../stream/publish.js';
import { stateFolder } from '../../stream/window.js';
import { previousState } from '../../stream/windowState.js';
import { type Backend, Driver, type RunSummary } from '../Driver.js';
import { JobFailedError } from '../errors.js';
import { type EmbeddedExecution, embeddedBackend } from './runEmbedded.js';

/**
 * The named steps of a micro-batch, where a crash hook may stop the driver: after the offsets
 * entry is written, while the batch's job runs (its map stage started), while a delegating
 * batch makes its calls (a first delegate task ended, others have not), after its output is
 * published but before the commit entry, and after the commit entry.
 */
export type StreamStep = 'after-offset' | 'mid-batch' | 'mid-calls' | 'after-output' | 'after-commit';

/** Called at each step with the batch number; a hook that throws stops the driver there. */
export type CrashHook = (step: StreamStep, batch: number) => void;

/** Everything one micro-batch of an embedded stream needs. */
export interface BatchContext {
  readonly stream: Stream;
  /** The stream's module path, which the worker threads load. */
  readonly module: string;
  readonly source: StreamSource;
  readonly checkpoint: FileStore;
  /** The stream's output directory. */
  readonly output: FileStore;
  /** The engine the batches run on. */
  readonly engine: StreamEngine;
  /** Cancels a running batch's job (it publishes nothing and is run again on the next start). */
  readonly signal?: AbortSignal;
  readonly crashAt?: CrashHook;
  readonly now?: () => number;
  /**
   * Whether reduce task p merges partition p of the previous state (update mode's snapshot,
   * a windowed stream's open windows) instead of the map stage reading the whole state and the
   * shuffle moving it again. @default true
   */
  readonly stateMerge?: boolean;
}

/** What one committed micro-batch did, as `stepmr stream` prints it. */
export interface BatchReport {
  readonly batch: number;
  /** Whether it was claimed before (a driver stopped) and run again now. */
  readonly resumed: boolean;
  readonly files: number;
  readonly records: { readonly in: number; readonly out: number };
  readonly bytes: { readonly in: number; readonly out: number };
  /** Where its result is, relative to the output (undefined for a batch that took nothing). */
  readonly published: string | undefined;
  readonly durationMs: number;
  /** From the oldest object's arrival (its modification time) to the commit. */
  readonly lagMs: number;
  readonly rewrites: OffsetEntry['rewrites'];
  /** Objects and bytes still waiting when the batch was cut. */
  readonly pending: OffsetEntry['pending'];
  /** A windowed stream: the watermark the batch ran with, and the late records it dropped. */
  readonly window?: { readonly watermark: number | undefined; readonly late: number };
}

/**
 * Claims and runs the stream's next micro-batch through the embedded engine and commits it;
 * resolves with its report, or undefined when there is nothing new. A batch claimed before and
 * not committed (a driver stopped) is run again over the same objects, after clearing what the
 * stopped run left in its output folder (it published no `_SUCCESS` there, or the claim would
 * have committed it).
 *
 * @example
 * ```ts
 * const report = await runNextBatch(context);
 * if (report) console.log(`batch ${report.batch}: ${report.files} files`);
 * ```
 */
export async function runNextBatch(context: BatchContext): Promise<BatchReport | undefined> {
  const { stream, checkpoint, output } = context;
  const settings = stream.stream;
  const now = context.now ?? Date.now;
  const claim = await claimNextBatch({
    stream: settings.name,
    checkpoint,
    source: context.source,
    caps: { maxFiles: settings.maxFiles, maxBytes: settings.maxBytes },
    rewrites: settings.rewrites,
    published: (entry) => publishedBatch(output, '', settings, entry),
    now,
    ...(settings.window ? { watermarkDelayMs: settings.window.delayMs } : {}),
  });
  if (!claim) return undefined;
  const started = now();
  if (!claim.resumed) context.crashAt?.('after-offset', claim.batch);
  const folder = batchFolder(settings.mode, claim.batch);
  await rm(join(output.root, folder), { recursive: true, force: true });
  const windowed = settings.window !== undefined;
  if (windowed) await rm(join(output.root, stateFolder(folder)), { recursive: true, force: true });
  const where = { checkpoint, output, prefix: '', stream: settings, batch: claim.batch };
  const previous =
    settings.mode === 'update'
      ? await previousSnapshot(where)
      : windowed
        ? await previousState(where)
        : undefined;
  let summary: RunSummary | undefined;
  if (claim.files.length > 0) {
    summary = await runBatchJob(context, claim, folder, previous);
    context.crashAt?.('after-output', claim.batch);
  }
  // A windowed batch publishes its closed windows (maybe none) and keeps its open ones beside.
  const published = summary ? folder : windowed ? undefined : previous?.folder;
  const state = windowed ? (summary ? stateFolder(folder) : previous?.folder) : undefined;
  const eventTime = windowed ? (summary?.manifest.eventTime ?? { late: 0, samples: [] }) : undefined;
  await commitBatch(
    checkpoint,
    claim.entry,
    {
      ...(summary ? { jobId: summary.jobId } : {}),
      ...(published ? { published } : {}),
      records: summary?.manifest.records ?? { in: 0, out: 0 },
      bytes: summary?.manifest.bytes ?? { in: 0, out: 0 },
      ...(state ? { state } : {}),
      ...(eventTime ? { eventTime } : {}),
    },
    now,
  );
  context.crashAt?.('after-commit', claim.batch);
  if (summary && previous) {
    if (settings.mode === 'update') await dropOldSnapshots(output.root, 'snapshot=', previous.folder);
    if (windowed)
      await dropOldSnapshots(join(output.root, '_state'), 'batch=', previous.folder.slice('_state/'.length));
  }
  const committed = now();
  const oldest = Math.min(...claim.files.map((f) => f.modified));
  return {
    batch: claim.batch,
    resumed: claim.resumed,
    files: claim.files.length,
    records: summary?.manifest.records ?? { in: 0, out: 0 },
    bytes: summary?.manifest.bytes ?? { in: 0, out: 0 },
    published,
    durationMs: committed - started,
    lagMs: claim.files.length > 0 ? Math.max(0, committed - oldest) : 0,
    rewrites: claim.entry.rewrites,
    pending: claim.entry.pending,
    ...(eventTime ? { window: { watermark: claim.entry.eventTime?.watermark, late: eventTime.late } } : {}),
  };
}

/**
 * Removes the snapshots (or windowed states) older than `previous` (the one the previous
 * commit names): their readers have had a whole batch to finish, and what a stopped driver
 * left goes too.
 */
async function dropOldSnapshots(root: string, kind: string, previous: string): Promise<void> {
  // Padded numbers: names sort as their batches do.
  const kept = previous.replace(/\/$/, '');
  const old = (await readdir(root)).filter((name) => name.startsWith(kind) && name < kept);
  await Promise.all(old.map((name) => rm(join(root, name), { recursive: true, force: true })));
}

/** Runs batch N's job over its objects (and the previous snapshot) into its output folder. */
async function runBatchJob(
  context: BatchContext,
  claim: Claim,
  folder: string,
  previous: { readonly folder: string; readonly files: readonly InputFile[] } | undefined,
): Promise<RunSummary> {
  const { engine, stream } = context;
  const options = resolveOptions(stream, {});
  // The reducers merge the previous state when it has one part per reducer (the reducer count
  // is fixed for a stream; a state of another count goes through map and shuffle instead).
  const merge =
    previous !== undefined &&
    context.stateMerge !== false &&
    samePartitions(previous.files, options.reducers);
  const state = previous && !merge ? previous.files : [];
  const files = [...claim.files.map((f) => ({ uri: f.uri, size: f.size })), ...state];
  const jobId = batchJobId(stream.stream.name, claim.batch);
  const batchDir = join(context.output.root, folder);
  const crash = new AbortController();
  let crashed: unknown;
  const outer = context.signal;
  const cancel = () => crash.abort();
  if (outer?.aborted) cancel();
  outer?.addEventListener('abort', cancel, { once: true });
  engine.onEvent = (event) => {
    if (crashed) return;
    const step =
      event.type === 'MapRunStarted' && event.stateName === 'Map'
        ? 'mid-batch'
        : event.type === 'MapRunProgress' &&
            event.stateName === 'Delegate' &&
            event.itemCounts.succeeded > 0 &&
            event.itemCounts.succeeded < event.itemCounts.total
          ? 'mid-calls'
          : undefined;
    if (!step) return;
    try {
      context.crashAt?.(step, claim.batch);
    } catch (error) {
      crashed = error;
      crash.abort();
    }
  };
  let done = false;
  try {
    const summary = await new Driver(engine.backend).run(
      {
        job: stream,
        name: stream.stream.name,
        module: context.module,
        inputs: files.map((f) => f.uri),
        files,
        output: toUri(batchDir),
        jobId,
        // A delegating stream's calls are named after the batch, whatever run of it this is.
        callKeys: batchJobId(stream.stream.name, claim.batch),
        badRecords: stream.stream.badRecords,
        ...(stream.stream.window
          ? {
              window: {
                sizeMs: stream.stream.window.sizeMs,
                ...(claim.entry.eventTime?.watermark === undefined
                  ? {}
                  : { watermark: claim.entry.eventTime.watermark }),
              },
            }
          : {}),
        splitsPerTask: splitsPerTask(files, options.splitSize),
        ...(merge ? { state: { uri: `${context.output.url}${previous.folder}` } } : {}),
      },
      { intervalMs: 25, cancel: crash.signal },
    );
    done = true;
    return summary;
  } catch (error) {
    if (crashed) throw crashed;
    if (error instanceof JobFailedError) {
      throw new JobFailedError(
        `stream ${stream.stream.name}, batch ${claim.batch} (${claim.files.length} files): ${error.message}. The batch runs again over the same files on the next start: ${
          stream.delegate
            ? "fix the cause (the service, or the stream's code), or allow failed calls with the stream's calls.maxFailed"
            : "fix the cause in the stream's code, or set badRecords: 'skip' for malformed records"
        }`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    engine.onEvent = undefined;
    outer?.removeEventListener('abort', cancel);
    await rm(join(engine.workDir, jobId), { recursive: true, force: true });
    // A run that did not publish leaves no output folder (it is run again from scratch).
    if (!done) await rm(batchDir, { recursive: true, force: true });
  }
}

/** Whether a state's parts are `part-<p>.jsonl` for exactly the partitions 0..reducers-1. */
function samePartitions(files: readonly InputFile[], reducers: number): boolean {
  const parts = files.map((f) => /\/part-(\d+)\.jsonl$/.exec(f.uri)?.[1]).map(Number);
  return parts.length === reducers && parts.sort((a, b) => a - b).every((p, i) => p === i);
}

/** A map task reads about this much: many small files share a task, as a batch's usually are. */
const TASK_BYTES = 16 * 1024 * 1024;

/**
 * Splits per map task for a batch's files: about {@link TASK_BYTES} a task by their average
 * split, between 1 and 1,000. A batch of 300 files of 1 KiB then runs one map task, not 300.
 */
function splitsPerTask(files: readonly InputFile[], splitSize: number): number {
  const splits = files.reduce((n, f) => n + Math.max(1, Math.ceil(f.size / splitSize)), 0);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const average = Math.max(1, bytes / Math.max(1, splits));
  return Math.max(1, Math.min(1000, Math.floor(TASK_BYTES / average)));
}

/** One embedded engine and worker pool for all of a stream's batches. */
export interface StreamEngine {
  readonly backend: Backend;
  /** The work store's directory: each batch's job works in `<workDir>/<job id>/`. */
  readonly workDir: string;
  /** Where the engine's events go now (the running batch's crash hook). */
  onEvent: ((event: EngineEvent) => void) | undefined;
  close(): Promise<void>;
}

/**
 * Starts the engine and worker pool a stream's batches run on, working in `workDir` (next to
 * the batches' output folders, so that publishing a part is a rename).
 *
 * @example
 * ```ts
 * const engine = openStreamEngine(join(output, '_work'), { threads: 2 });
 * try { await runNextBatch({ ...context, engine }); } finally { await engine.close(); }
 * ```
 */
export function openStreamEngine(
  workDir: string,
  execution: Pick<EmbeddedExecution, 'threads' | 'taskTimeoutSeconds' | 'taskMemoryMb'>,
): StreamEngine {
  const engine: StreamEngine = {
    workDir,
    onEvent: undefined,
    backend: undefined as unknown as Backend,
    close: async () => undefined,
  };
  const { backend, close } = embeddedBackend(workDir, {
    ...execution,
    onEvent: (event) => engine.onEvent?.(event),
  });
  return Object.assign(engine, { backend, close });
}
