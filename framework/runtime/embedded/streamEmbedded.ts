import { mkdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';
import { FileStore } from '../../store/FileStore.js';
import { isStream, type Stream } from '../../stream/defineStream.js';
import { InvalidOptionError, JobModuleError } from '../errors.js';
import { loadJobModule, resolveJobModule } from '../loadJob.js';
import { compiledUserModules } from '../userModules.js';
import type { EmbeddedExecution } from './runEmbedded.js';
import { type BatchReport, type CrashHook, openStreamEngine, runNextBatch } from './streamBatch.js';
import { takeLease } from './streamLease.js';

/** How `stepmr stream` runs a stream on this machine. */
export interface EmbeddedStream
  extends Pick<EmbeddedExecution, 'threads' | 'taskTimeoutSeconds' | 'taskMemoryMb'> {
  /** The stream module: a file, or a folder with job.ts, whose default export is a `defineStream`. */
  readonly stream: string;
  /** The directory objects arrive in (the stream's `source.prefix` on AWS). */
  readonly source: string;
  /** The output directory: `batch=<N>/` or `snapshot=<N>/` folders. */
  readonly output: string;
  /** The checkpoint directory. @default `<output>/_checkpoint` */
  readonly checkpoint?: string;
  /** How often the source is listed when no file event wakes the driver, ms. @default the stream's `every` */
  readonly everyMs?: number;
  /** Process what is there now, in as many batches as the caps need, then resolve. @default false */
  readonly once?: boolean;
  /** Stops the stream: a running batch is cancelled (it is resumed on the next start). */
  readonly signal?: AbortSignal;
  /** Called after each committed batch. */
  readonly onBatch?: (report: BatchReport) => void;
  /** Stops the driver at a named step (tests): see {@link CrashHook}. */
  readonly crashAt?: CrashHook;
  /** @default Date.now */
  readonly now?: () => number;
  /** Merge the previous state in the reducers (see `BatchContext.stateMerge`). @default true */
  readonly stateMerge?: boolean;
}

/** What a stream's run did until it stopped. */
export interface StreamRunSummary {
  readonly batches: number;
  readonly files: number;
  /** Whether it stopped because it was asked to (the signal), not because it was done. */
  readonly stopped: boolean;
}

/** Whether `inner` is `outer` or lies inside it (both canonical paths). */
const within = (inner: string, outer: string) => {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep));
};

/** Loads a stream module; a job module without a stream says what to write. */
async function loadStream(spec: string): Promise<{ stream: Stream; module: string }> {
  const module = await resolveJobModule(spec);
  const job = await loadJobModule(module);
  if (!isStream(job)) {
    throw new JobModuleError(
      `${module} exports a job, not a stream: end it with \`export default defineStream({ name, source, input, map, … })\`, or run it once with stepmr run`,
    );
  }
  return { stream: job, module };
}

/**
 * Runs a stream on this machine: claims micro-batches of the files arriving in `source` and
 * runs each through the embedded engine (the same state machine as `stepmr run`), committing
 * each exactly once in the checkpoint. File events (chokidar) only wake the driver up; the
 * listing is the truth. With `once`, processes what is there and resolves; otherwise runs
 * until `signal` aborts, which cancels a running batch: the next start runs it again, over the
 * same files.
 *
 * @example
 * ```ts
 * const summary = await runStreamEmbedded({ stream: 'examples/clickstream', source: 'inbox', output: 'out/clicks', once: true });
 * console.log(`${summary.batches} batches`);
 * ```
 */
export async function runStreamEmbedded(options: EmbeddedStream): Promise<StreamRunSummary> {
  const { stream, module } = await loadStream(options.stream);
  const sourceDir = resolve(options.source);
  if (!(await stat(sourceDir).catch(() => undefined))?.isDirectory()) {
    throw new InvalidOptionError(
      `--source ${options.source} is not a directory; create it, or point at the folder files arrive in`,
    );
  }
  const outputDir = resolve(options.output);
  await mkdir(outputDir, { recursive: true });
  const [source, output] = [await realpath(sourceDir), await realpath(outputDir)];
  if (within(source, output) || within(output, source)) {
    throw new InvalidOptionError(
      `--source ${options.source} and --output ${options.output} overlap: the stream would read its own results; choose an output outside the source`,
    );
  }
  const checkpointDir = resolve(options.checkpoint ?? join(outputDir, '_checkpoint'));
  const checkpoint = new FileStore(checkpointDir);
  const release = await takeLease(checkpoint, stream.stream.name);
  // A TypeScript stream was compiled when this thread loaded it; the workers take that.
  const engine = openStreamEngine(
    join(outputDir, '_work'),
    {
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.taskTimeoutSeconds ? { taskTimeoutSeconds: options.taskTimeoutSeconds } : {}),
      ...(options.taskMemoryMb ? { taskMemoryMb: options.taskMemoryMb } : {}),
    },
    { module, userModules: await compiledUserModules(module) },
  );
  const context = {
    stream,
    module,
    source: { store: new FileStore(source), prefix: '' },
    checkpoint,
    output: new FileStore(output),
    engine,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.crashAt ? { crashAt: options.crashAt } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.stateMerge === false ? { stateMerge: false } : {}),
  };
  let wake: Wake | undefined;
  let batches = 0;
  let files = 0;
  try {
    if (!options.once) wake = new Wake(source, options.everyMs ?? stream.stream.everyMs, options.signal);
    while (!options.signal?.aborted) {
      const report = await runNextBatch(context).catch((error: unknown) => {
        if (options.signal?.aborted) return undefined;
        throw error;
      });
      if (report) {
        batches++;
        files += report.files;
        options.onBatch?.(report);
        continue;
      }
      if (!wake) break;
      await wake.next();
    }
  } finally {
    await wake?.close();
    await engine.close();
    await release();
  }
  return { batches, files, stopped: options.signal?.aborted ?? false };
}

/** Resolves `next()` on a file event in the source, on the period, or when stopped. */
class Wake {
  readonly #watcher;
  #pending = false;
  #resolve: (() => void) | undefined;

  constructor(
    dir: string,
    readonly periodMs: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.#watcher = watch(dir, { ignoreInitial: true });
    this.#watcher.on('add', () => this.#fire());
    this.#watcher.on('change', () => this.#fire());
    signal?.addEventListener('abort', () => this.#fire(), { once: true });
  }

  #fire(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** Waits for the next wake-up (at once if one came while a batch ran). */
  async next(): Promise<void> {
    if (!this.#pending && !this.signal?.aborted) {
      await new Promise<void>((done) => {
        const timer = setTimeout(done, this.periodMs);
        this.#resolve = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
    this.#resolve = undefined;
    this.#pending = false;
  }

  close(): Promise<void> {
    return this.#watcher.close();
  }
}
