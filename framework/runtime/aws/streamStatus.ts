import { streamKeys } from '../../contract/stream.js';
import type { DeployedStream } from '../../deploy/streams.js';
import type { Store } from '../../store/Store.js';
import { readCheckpoint, readCommit } from '../../stream/checkpoint.js';
import { batchJobId } from '../../stream/publish.js';
import { isApiError, type Orchestrator } from '../orchestrator.js';
import { MANUAL_RUNS } from './streamStep.js';

/** Where a late record was: its file's URI, the byte offset of its line, and the line number. */
export interface LatePosition {
  readonly uri: string;
  readonly offset: number;
  readonly line?: number | undefined;
}

/** Where a deployed stream stands. */
export interface StreamStatus {
  readonly stream: string;
  /** The last batch whose output is committed, if any. */
  readonly lastCommitted: number | undefined;
  /** The batch claimed and not committed yet, with its newest execution and that one's status. */
  readonly running:
    | {
        readonly batch: number;
        readonly files: number;
        readonly execution?: string;
        readonly status?: string;
      }
    | undefined;
  /** Objects of the source in no committed batch (the running batch's included), and their bytes. */
  readonly pending: { readonly files: number; readonly bytes: number };
  /** Age of the oldest object in no committed batch (ms); 0 when every object is committed. */
  readonly lagMs: number;
  /** Objects rewritten after a batch took them, skipped (never counted twice) in the last batch. */
  readonly rewritesSkipped: number;
  /**
   * A windowed stream's late records (their window was closed by the watermark, so they were
   * counted and dropped): those of the last committed batch, with a few of their positions,
   * and the total over the commit entries the checkpoint still holds (`commits` of them).
   * Absent for a stream whose commits carry no event time (no window).
   */
  readonly late?: {
    readonly lastBatch: number;
    readonly samples: readonly LatePosition[];
    readonly total: number;
    readonly commits: number;
  };
  /** A windowed stream's watermark (ms since the epoch): the one the latest batch runs with. */
  readonly watermark?: number;
}

/** What {@link streamStatus} reads: the bucket at a prefix, and the stack's state machine. */
export interface StreamStatusDeps {
  readonly store: (prefix: string) => Store;
  readonly orchestrator: Pick<Orchestrator, 'describeExecution'>;
  readonly stateMachineArn: string;
  readonly now: () => number;
}

/** Late records over the commit entries under `commits/`, and those of the last committed batch. */
async function lateRecords(checkpoint: Store, stream: string, lastCommitted: number | undefined) {
  let total = 0;
  let commits = 0;
  let last: { lastBatch: number; samples: readonly LatePosition[] } | undefined;
  for await (const { key } of checkpoint.list('commits/')) {
    const batch = streamKeys.batchOf(key);
    if (batch === undefined) continue;
    const eventTime = (await readCommit(checkpoint, stream, batch))?.eventTime;
    if (!eventTime) continue;
    total += eventTime.late;
    commits += 1;
    if (batch === lastCommitted) last = { lastBatch: eventTime.late, samples: eventTime.samples };
  }
  return commits > 0
    ? { lastBatch: last?.lastBatch ?? 0, samples: last?.samples ?? [], total, commits }
    : undefined;
}

const hidden = (key: string) => /(^|\/)[._]/.test(key);

/** The newest execution of batch N (its re-runs are tried in order) and its status. */
async function newestRun(deps: StreamStatusDeps, stream: string, batch: number) {
  let found: { execution: string; status: string } | undefined;
  const base = deps.stateMachineArn.replace(':stateMachine:', ':execution:');
  for (let rerun = 0; rerun < MANUAL_RUNS; rerun++) {
    const execution = batchJobId(stream, batch, rerun);
    try {
      const { status } = await deps.orchestrator.describeExecution({ executionArn: `${base}:${execution}` });
      found = { execution, status: status ?? 'UNKNOWN' };
    } catch (error) {
      if (isApiError(error, 'ExecutionDoesNotExist')) break;
      throw error;
    }
  }
  return found;
}

/**
 * Where a deployed stream stands, from its checkpoint, a listing of its source and its batch
 * executions: the last committed batch, the batch running (and its execution's status), the
 * objects and bytes in no committed batch, and the lag: how long the oldest of them has waited;
 * for a windowed stream, its late records and watermark.
 *
 * @example
 * ```ts
 * const status = await streamStatus(deployedStream(config, 'clicks'), deps);
 * ```
 */
export async function streamStatus(stream: DeployedStream, deps: StreamStatusDeps): Promise<StreamStatus> {
  const state = await readCheckpoint(deps.store(stream.checkpoint), stream.name);
  const { latest, latestCommit } = state;
  const uncommitted = latest && !latestCommit ? latest : undefined;
  const lastCommitted = latest ? (uncommitted ? latest.batch - 1 : latest.batch) : undefined;
  let files = 0;
  let bytes = 0;
  let oldest = Number.POSITIVE_INFINITY;
  const take = (size: number, modified: number) => {
    files += 1;
    bytes += size;
    oldest = Math.min(oldest, modified);
  };
  for (const file of uncommitted?.files ?? []) take(file.size, file.modified);
  for await (const info of deps.store('').list(stream.prefix)) {
    if (hidden(info.key.slice(stream.prefix.length)) || state.seen.has(info.key)) continue;
    take(info.size, info.modified ?? deps.now());
  }
  const run = uncommitted ? await newestRun(deps, stream.name, uncommitted.batch) : undefined;
  const committed = lastCommitted !== undefined && lastCommitted >= 0 ? lastCommitted : undefined;
  const late = await lateRecords(deps.store(stream.checkpoint), stream.name, committed);
  const watermark = latest?.eventTime?.watermark;
  return {
    stream: stream.name,
    lastCommitted: committed,
    running: uncommitted ? { batch: uncommitted.batch, files: uncommitted.files.length, ...run } : undefined,
    pending: { files, bytes },
    lagMs: files > 0 ? Math.max(0, deps.now() - oldest) : 0,
    rewritesSkipped: latest?.rewrites.filter((r) => r.action === 'skipped').length ?? 0,
    ...(late ? { late } : {}),
    ...(watermark !== undefined ? { watermark } : {}),
  };
}
