import type { Tolerance } from '../job/options.js';
import type { JobRef } from '../tasks/payloads.js';

/** How one run of a job goes through the state machine; read by the definition's `*Path` fields. */
export interface RunSettings {
  /** The job has a reducer: run the shuffle and reduce stages. */
  readonly reduce: boolean;
  /** Splits per map task (ItemBatcher); small splits are grouped to save invocations. */
  readonly splitsPerTask: number;
  /** Partitions per reduce task. */
  readonly partitionsPerTask: number;
  /**
   * Failed splits tolerated, in percent of all splits. The Map Run fails once either threshold
   * is passed, so a tolerance given as a count sets this to 100, and no tolerance to 0.
   */
  readonly toleratedFailurePercentage: number;
  /** Failed splits tolerated, as a count: the number of splits for a tolerance given in percent. */
  readonly toleratedFailureCount: number;
  /** The job delegates: run the delegate stage after the map stage. */
  readonly delegate: boolean;
  /** Calls per delegate task (ItemBatcher). */
  readonly callsPerTask: number;
  /** Delegate tasks running at once (the delegate stage's MaxConcurrency). */
  readonly delegateTasks: number;
}

/** The execution input of the state machine: where the job's plan is, and how to run it. */
export interface JobExecutionInput extends JobRef {
  readonly run: RunSettings;
}

/**
 * The execution input of one run.
 *
 * @example
 * ```ts
 * const input = executionInput(ref, { reduce: true, splits: 40, splitsPerTask: 4, tolerate: { percent: 5 } });
 * // { ...ref, run: { reduce: true, splitsPerTask: 4, partitionsPerTask: 1, toleratedFailurePercentage: 5, toleratedFailureCount: 40, delegate: false, callsPerTask: 1, delegateTasks: 1 } }
 * ```
 */
export function executionInput(
  ref: JobRef,
  settings: {
    readonly reduce: boolean;
    /** The number of splits in the plan. */
    readonly splits: number;
    readonly splitsPerTask: number;
    readonly partitionsPerTask?: number;
    readonly tolerate?: Tolerance | undefined;
    /** A delegate job's batching: calls per task and tasks at once. */
    readonly delegate?: { readonly callsPerTask: number; readonly tasks: number } | undefined;
  },
): JobExecutionInput {
  const tolerate = settings.tolerate;
  return {
    jobId: ref.jobId,
    bucket: ref.bucket,
    prefix: ref.prefix,
    run: {
      reduce: settings.reduce,
      splitsPerTask: settings.splitsPerTask,
      partitionsPerTask: settings.partitionsPerTask ?? 1,
      toleratedFailurePercentage: !tolerate ? 0 : 'percent' in tolerate ? tolerate.percent : 100,
      toleratedFailureCount: !tolerate ? 0 : 'count' in tolerate ? tolerate.count : settings.splits,
      delegate: settings.delegate !== undefined,
      callsPerTask: settings.delegate?.callsPerTask ?? 1,
      delegateTasks: settings.delegate?.tasks ?? 1,
    },
  };
}
