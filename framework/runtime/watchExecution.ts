import { type ExecutionReport, getExecutionStatus } from './executions.js';
import type { MapBytesReader } from './mapBytes.js';
import type { Orchestrator } from './orchestrator.js';

/** Options of {@link watchExecution}. */
export interface WatchOptions {
  /** Time between polls, ms. @default 2000 */
  readonly intervalMs?: number;
  /** Called with every report, the last one included. */
  readonly onProgress?: (report: ExecutionReport) => void;
  /** Stops watching (the execution goes on); the promise rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /** Waits between polls. @default the orchestrator's pause */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Reads the bytes the Map stage has read from the job's working objects. @default none */
  readonly work?: MapBytesReader | undefined;
}

/**
 * Polls an execution until it ends; resolves with its final report: the output (a job's commit
 * summary) when it SUCCEEDED, its error and cause otherwise.
 *
 * @example
 * ```ts
 * const done = await watchExecution(sfnOrchestrator(sfnClient()), executionArn, {
 *   onProgress: (r) => console.error(r.stages.map((s) => `${s.name} ${s.succeeded}/${s.total}`).join(', ')),
 * });
 * ```
 */
export async function watchExecution(
  orchestrator: Orchestrator,
  executionArn: string,
  options: WatchOptions = {},
): Promise<ExecutionReport> {
  const sleep = options.sleep ?? ((ms, signal) => orchestrator.pause(ms, executionArn, signal));
  for (;;) {
    options.signal?.throwIfAborted();
    const report = await getExecutionStatus(orchestrator, executionArn, { work: options.work });
    options.onProgress?.(report);
    if (report.status !== 'RUNNING' && report.status !== 'PENDING_REDRIVE') return report;
    await sleep(options.intervalMs ?? 2000, options.signal);
  }
}

/** The states of the job's state machine whose times a summary shows; not its Choice or Pass. */
const STAGES = new Set(['Map', 'Shuffle', 'Reduce', 'Commit']);

/**
 * Wall time of each stage (Map, Shuffle, Reduce, Commit) of an execution, ms, from its history
 * (GetExecutionHistory without data). Empty when the history cannot be read (a caller without
 * `states:GetExecutionHistory`, say): the times are a courtesy of the summary.
 *
 * @example
 * ```ts
 * const { Map, Reduce } = await stageTimes(orchestrator, executionArn);
 * ```
 */
export async function stageTimes(
  orchestrator: Orchestrator,
  executionArn: string,
): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  const entered = new Map<string, number>();
  try {
    let nextToken: string | undefined;
    do {
      const page = await orchestrator.getExecutionHistory({
        executionArn,
        includeExecutionData: false,
        maxResults: 1000,
        nextToken,
      });
      for (const event of page.events ?? []) {
        const at = event.timestamp?.getTime() ?? 0;
        const into = event.stateEnteredEventDetails?.name;
        const out = event.stateExitedEventDetails?.name;
        if (into && STAGES.has(into)) entered.set(into, at);
        if (out && STAGES.has(out)) times[out] = at - (entered.get(out) ?? at);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch {
    return {};
  }
  return times;
}
