import type { DeployedStream } from '../../deploy/streams.js';
import type { Store } from '../../store/Store.js';
import { readCheckpoint } from '../../stream/checkpoint.js';
import { batchJobId } from '../../stream/publish.js';
import { isApiError, type Orchestrator } from '../orchestrator.js';
import { MANUAL_RUNS } from './streamStep.js';

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
}

/** What {@link streamStatus} reads: the bucket at a prefix, and the stack's state machine. */
export interface StreamStatusDeps {
  readonly store: (prefix: string) => Store;
  readonly orchestrator: Pick<Orchestrator, 'describeExecution'>;
  readonly stateMachineArn: string;
  readonly now: () => number;
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
 * objects and bytes in no committed batch, and the lag: how long the oldest of them has waited.
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
  return {
    stream: stream.name,
    lastCommitted: lastCommitted !== undefined && lastCommitted >= 0 ? lastCommitted : undefined,
    running: uncommitted ? { batch: uncommitted.batch, files: uncommitted.files.length, ...run } : undefined,
    pending: { files, bytes },
    lagMs: files > 0 ? Math.max(0, deps.now() - oldest) : 0,
    rewritesSkipped: latest?.rewrites.filter((r) => r.action === 'skipped').length ?? 0,
  };
}
