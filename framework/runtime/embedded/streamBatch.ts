import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { OffsetEntry } from '../../contract/stream.js';
import type { EngineEvent } from '../../engine/index.js';
import type { FileStore } from '../../store/FileStore.js';
import { type Claim, claimNextBatch, commitBatch, type StreamSource } from '../../stream/claim.js';
import type { Stream } from '../../stream/defineStream.js';
import { batchJobId, publishedBatch } from '../../stream/publish.js';
import { stateFolder } from '../../stream/window.js';
import { hasOpenWindows } from '../../stream/windowState.js';
import { type BatchRequest, batchRequest, carriedOver } from '../batchRequest.js';
import type { CompiledModules } from '../compileUserModules.js';
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
  /** A batch of no objects that read the open windows back to publish those the watermark passed. */
  readonly closesWindows?: boolean;
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
    ...(settings.window
      ? {
          watermarkDelayMs: settings.window.delayMs,
          openWindows: (folder: string) => hasOpenWindows(output, '', folder),
        }
      : {}),
  });
  if (!claim) {
    // Nothing new: a driver stopped right after a commit left its older states; drop them now.
    await tidyStates(output.root, settings);
    return undefined;
  }
  const started = now();
  if (!claim.resumed) context.crashAt?.('after-offset', claim.batch);
  const where = { checkpoint, output, prefix: '' };
  const planned = await batchRequest(stream, claim.entry, where, context.stateMerge !== false);
  const { folder, previous } = planned;
  await rm(join(output.root, folder), { recursive: true, force: true });
  const windowed = settings.window !== undefined;
  if (windowed) await rm(join(output.root, stateFolder(folder)), { recursive: true, force: true });
  let summary: RunSummary | undefined;
  if (claim.files.length > 0 || claim.closesWindows) {
    summary = await runBatchJob(context, claim, planned);
    context.crashAt?.('after-output', claim.batch);
  }
  // A batch that ran publishes its output (a windowed one its closed windows, maybe none, and
  // its open ones beside); one that took no objects carries the previous state over.
  const fields = summary
    ? {
        jobId: summary.jobId,
        published: folder,
        records: summary.manifest.records,
        bytes: summary.manifest.bytes,
        ...(windowed
          ? { state: stateFolder(folder), eventTime: summary.manifest.eventTime ?? { late: 0, samples: [] } }
          : {}),
      }
    : carriedOver(stream, previous);
  const { published, eventTime } = fields;
  await commitBatch(checkpoint, claim.entry, fields, now);
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
    ...(claim.closesWindows ? { closesWindows: true } : {}),
  };
}

/**
 * Keeps the newest two states of an update-mode or windowed stream (the last batch's, and the
 * one before it for its readers) and removes older ones, as a batch's commit does.
 */
async function tidyStates(root: string, settings: Stream['stream']): Promise<void> {
  const keepNewest = async (dir: string, kind: string) => {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(kind)).sort();
    const second = names.at(-2);
    if (second) await dropOldSnapshots(dir, kind, second);
  };
  if (settings.mode === 'update') await keepNewest(root, 'snapshot=');
  if (settings.window) await keepNewest(join(root, '_state'), 'batch=');
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

/** Runs batch N's job over its objects (and the previous state) into its output folder. */
async function runBatchJob(context: BatchContext, claim: Claim, planned: BatchRequest): Promise<RunSummary> {
  const { engine, stream } = context;
  const { folder, request } = planned;
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
        ...request,
        module: context.module,
        jobId,
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
 * the batches' output folders, so that publishing a part is a rename). With `job`, each worker
 * loads the stream's module as soon as it starts, compiled by this thread when it is
 * TypeScript (see `compiledUserModules`), so no worker starts a TypeScript loader.
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
  job?: { readonly module: string; readonly userModules: CompiledModules | undefined },
): StreamEngine {
  const engine: StreamEngine = {
    workDir,
    onEvent: undefined,
    backend: undefined as unknown as Backend,
    close: async () => undefined,
  };
  const { backend, close } = embeddedBackend(
    workDir,
    { ...execution, onEvent: (event) => engine.onEvent?.(event) },
    job?.module,
    job?.userModules,
  );
  return Object.assign(engine, { backend, close });
}
