import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type StoredExecution, storedExecutionSchema } from '../../contract/storedExecution.js';
import type { Engine } from '../Engine.js';
import type { EngineEvent } from '../events.js';
import { epochSeconds } from './awsJson.js';
import type { ExecutionHistory, HistoryEventJson } from './history.js';
import { snapshotExecution } from './snapshot.js';

/** Options of {@link ExecutionStore.open}. */
export interface ExecutionStoreOptions {
  /** The directory of the executions' files (made if missing). */
  readonly dir: string;
  /** Executions started longer ago are deleted. @default 90 (as AWS keeps them) */
  readonly maxAgeDays?: number;
  /** Past this many, the executions that started first are deleted. @default 1000 */
  readonly maxCount?: number;
  /** The error of an execution that was running when the process that ran it ended. */
  readonly lostError?: string;
  /** @default Date.now */
  readonly now?: () => number;
  /** Where a file that cannot be read is reported (it is left alone). */
  readonly warn?: (text: string) => void;
}

/** Changes to a running execution are written at most this often. */
const WRITE_EVERY_MS = 500;
const ENDS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * The top-level executions of the Step Functions API kept on disk, one JSON file each (see
 * `storedExecutionSchema`), so that DescribeExecution, ListExecutions, GetExecutionHistory and
 * the Map Run operations still answer for them after a restart, as AWS keeps executions for 90
 * days. Files are written whole (a temporary file, then a rename) when an execution starts or
 * ends, and at most every 500 ms while it runs; pruned by age and count. An execution found
 * `RUNNING` when the store is opened was lost with the process that ran it: it is kept as
 * `ABORTED`, with a cause saying so, since nothing resumes it.
 *
 * @example
 * ```ts
 * const store = await ExecutionStore.open({ dir: '.stepmr/offline/executions' });
 * const detach = store.attach(engine, history); // records from now on
 * store.get(executionArn)?.execution.status; // 'SUCCEEDED'
 * ```
 */
export class ExecutionStore {
  readonly #records = new Map<string, StoredExecution>();
  readonly #writes = new Map<string, Promise<void>>();
  readonly #pending = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #maxCount: number;

  private constructor(
    private readonly options: ExecutionStoreOptions,
    records: readonly StoredExecution[],
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxAgeMs = (options.maxAgeDays ?? 90) * 86_400_000;
    this.#maxCount = options.maxCount ?? 1000;
    for (const record of records) this.#records.set(record.execution.executionArn, record);
  }

  /** Reads the directory: parses every file, settles lost executions, prunes. */
  static async open(options: ExecutionStoreOptions): Promise<ExecutionStore> {
    await mkdir(options.dir, { recursive: true });
    const records: StoredExecution[] = [];
    for (const name of await readdir(options.dir)) {
      if (!name.endsWith('.json')) continue;
      const file = join(options.dir, name);
      try {
        records.push(storedExecutionSchema.parse(JSON.parse(await readFile(file, 'utf8'))));
      } catch (error) {
        options.warn?.(`skipped the stored execution ${file}: ${(error as Error).message.slice(0, 300)}\n`);
      }
    }
    const store = new ExecutionStore(options, records);
    for (const record of records) {
      if (record.execution.status === 'RUNNING') await store.#save(settleLost(record, options.lostError));
    }
    await store.#prune();
    return store;
  }

  /** The stored execution, if kept. */
  get(executionArn: string): StoredExecution | undefined {
    return this.#records.get(executionArn);
  }

  /** Every stored execution. */
  all(): readonly StoredExecution[] {
    return [...this.#records.values()];
  }

  /** The stored Map Run and the execution it belongs to. */
  mapRun(mapRunArn: string) {
    for (const stored of this.#records.values()) {
      const run = stored.mapRuns.find((r) => r.item.mapRunArn === mapRunArn);
      if (run) return { stored, run };
    }
    return undefined;
  }

  /**
   * Gives `history` the events of the stored executions, and from now on writes every
   * top-level execution `engine` runs as it changes. Returns the function that stops that.
   */
  attach(engine: Engine, history: ExecutionHistory): () => void {
    for (const stored of this.#records.values()) {
      history.restore(stored.execution.executionArn, stored.execution.stateMachineArn, stored.history);
    }
    const topLevel = new Set<string>();
    const snapshot = (arn: string) => {
      this.#pending.delete(arn);
      const record = snapshotExecution(engine, history, arn, new Date(this.#now()));
      if (record) void this.#save(record);
      if (record?.execution.status !== 'RUNNING') topLevel.delete(arn);
    };
    const unsubscribe = engine.on((event: EngineEvent) => {
      if (event.type === 'ExecutionStarted' && event.mapRunArn === undefined)
        topLevel.add(event.executionArn);
      const arn = event.executionArn;
      if (!topLevel.has(arn)) return;
      // After the listeners that record the event (the history) have run.
      const now = event.type === 'ExecutionStarted' || ENDS.has(event.type);
      if (now) {
        clearTimeout(this.#pending.get(arn));
        this.#pending.set(
          arn,
          setTimeout(() => snapshot(arn), 0),
        );
      } else if (!this.#pending.has(arn)) {
        this.#pending.set(
          arn,
          setTimeout(() => snapshot(arn), WRITE_EVERY_MS),
        );
      }
    });
    return () => {
      unsubscribe();
      for (const [arn, timer] of this.#pending) {
        clearTimeout(timer);
        snapshot(arn);
      }
    };
  }

  /** Resolves when every write begun so far is on disk. */
  async flush(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all(this.#writes.values());
  }

  #file(executionArn: string): string {
    return join(
      this.options.dir,
      `${createHash('sha256').update(executionArn).digest('hex').slice(0, 40)}.json`,
    );
  }

  /** Writes one execution whole, after any earlier write of it; then prunes past the count. */
  #save(record: StoredExecution): Promise<void> {
    const arn = record.execution.executionArn;
    const isNew = !this.#records.has(arn);
    this.#records.set(arn, record);
    const file = this.#file(arn);
    const previous = this.#writes.get(arn) ?? Promise.resolve();
    const write = previous.then(async () => {
      if (this.#records.get(arn) !== record) return; // a newer one follows
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(record));
      await rename(temp, file);
    });
    const tracked = write
      .catch((error: Error) => this.options.warn?.(`could not write ${file}: ${error.message}\n`))
      .finally(() => {
        if (this.#writes.get(arn) === tracked) this.#writes.delete(arn);
      });
    this.#writes.set(arn, tracked);
    if (isNew && this.#records.size > this.#maxCount) void this.#prune();
    return tracked;
  }

  /** Deletes executions started more than `maxAgeDays` ago, then the oldest past `maxCount`. */
  async #prune(): Promise<void> {
    const cutoff = this.#now() - this.#maxAgeMs;
    const newestFirst = [...this.#records.values()].sort(
      (a, b) => b.execution.startDate.getTime() - a.execution.startDate.getTime(),
    );
    const doomed = newestFirst.filter(
      (r, index) =>
        r.execution.status !== 'RUNNING' &&
        (index >= this.#maxCount || r.execution.startDate.getTime() < cutoff),
    );
    for (const record of doomed) {
      const arn = record.execution.executionArn;
      this.#records.delete(arn);
      await (this.#writes.get(arn) ?? Promise.resolve());
      await rm(this.#file(arn), { force: true });
    }
  }
}

/**
 * An execution that was running when the process running it ended, as it stays: ABORTED at
 * the time it was last written, its running Map Runs aborted too, and an `ExecutionAborted`
 * event closing its history.
 */
function settleLost(record: StoredExecution, lostError = 'States.Runtime'): StoredExecution {
  const at = record.updatedAt;
  const cause =
    `The offline cloud stopped while this execution ran, without stopping it first (its process ` +
    `was killed or crashed); it was last seen running at ${at.toISOString()}. Executions are not ` +
    `resumed after a restart: start it again (stepmr submit, or redrive the job).`;
  const last = record.history.at(-1);
  const aborted: HistoryEventJson = {
    id: (last?.id ?? 0) + 1,
    previousEventId: last?.id ?? 0,
    timestamp: epochSeconds(at),
    type: 'ExecutionAborted',
    executionAbortedEventDetails: { error: lostError, cause },
  };
  return {
    ...record,
    execution: { ...record.execution, status: 'ABORTED', stopDate: at, error: lostError, cause },
    mapRuns: record.mapRuns.map((run) =>
      run.description.status === 'RUNNING'
        ? {
            ...run,
            item: { ...run.item, stopDate: at },
            description: { ...run.description, status: 'ABORTED', stopDate: at },
          }
        : run,
    ),
    history: [...record.history, aborted],
  };
}
