import { Engine } from '../Engine.js';
import { ExecutionDoesNotExistError, ResourceNotFoundError } from '../errors.js';
import type { EngineOptions } from '../options.js';
import type {
  DescribeExecutionOutput,
  DescribeMapRunOutput,
  ExecutionListItem,
  ExecutionStatus,
  MapRunListItem,
} from '../types.js';
import type { ExecutionStore } from './executionStore.js';

function listItem(e: DescribeExecutionOutput): ExecutionListItem {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate,
    ...(e.stopDate ? { stopDate: e.stopDate } : {}),
    ...(e.mapRunArn ? { mapRunArn: e.mapRunArn } : {}),
    // As the live engine lists them: a Map Run's children carry no redrive figures.
    ...(!e.mapRunArn && e.redriveCount !== undefined ? { redriveCount: e.redriveCount } : {}),
    ...(!e.mapRunArn && e.redriveDate ? { redriveDate: e.redriveDate } : {}),
  };
}

/**
 * A stored execution as DescribeExecution gives it: an execution of an earlier run cannot be
 * redriven here (its state is gone with that run), so it says why, in AWS's words where AWS has
 * them.
 */
function described(e: DescribeExecutionOutput): DescribeExecutionOutput {
  if (e.mapRunArn) return e;
  const redriveStatusReason =
    e.status === 'RUNNING' || e.status === 'SUCCEEDED'
      ? `Execution is ${e.status} and cannot be redriven`
      : 'Execution belongs to an earlier run of the offline cloud and cannot be redriven; start a new execution';
  return { ...e, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason };
}

/**
 * The {@link Engine} of the offline Step Functions API: what it does not know (executions of
 * an earlier run of the offline cloud, or ones it has forgotten) it answers from an
 * {@link ExecutionStore}, so DescribeExecution, ListExecutions, DescribeMapRun, ListMapRuns and
 * StopExecution see them as AWS does for 90 days. Of a stored Map Run's child executions, only
 * those that did not succeed are kept (the first 100).
 *
 * @example
 * ```ts
 * const store = await ExecutionStore.open({ dir: join(dataDir, 'executions') });
 * const engine = new StoredEngine({ invoker, stores }, store);
 * engine.describeExecution(arnOfAnEarlierRun).status; // 'SUCCEEDED'
 * ```
 */
export class StoredEngine extends Engine {
  constructor(
    options: EngineOptions,
    private readonly store: ExecutionStore,
  ) {
    super(options);
  }

  override describeExecution(executionArn: string): DescribeExecutionOutput {
    try {
      return super.describeExecution(executionArn);
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExistError)) throw error;
      const stored = this.store.get(executionArn)?.execution;
      if (stored) return described(stored);
      const child = this.#storedChild(executionArn);
      if (!child) throw error;
      return child;
    }
  }

  override listExecutions(
    filter: { stateMachineArn?: string; statusFilter?: ExecutionStatus; mapRunArn?: string } = {},
  ): { executions: ExecutionListItem[] } {
    const wanted = (e: { status: ExecutionStatus }) =>
      filter.statusFilter === undefined || e.status === filter.statusFilter;
    if (filter.mapRunArn !== undefined) {
      try {
        return super.listExecutions(filter);
      } catch (error) {
        const run = this.store.mapRun(filter.mapRunArn)?.run;
        if (!(error instanceof ResourceNotFoundError) || !run) throw error;
        return { executions: run.unsuccessfulChildren.filter(wanted).map(listItem) };
      }
    }
    const live = super.listExecutions(filter).executions;
    const known = new Set(live.map((e) => e.executionArn));
    const stored = this.store
      .all()
      .map((s) => s.execution)
      .filter(
        (e) =>
          !known.has(e.executionArn) &&
          (filter.stateMachineArn === undefined || e.stateMachineArn === filter.stateMachineArn) &&
          wanted(e),
      )
      .map(listItem);
    return {
      executions: [...live, ...stored].sort((a, b) => b.startDate.getTime() - a.startDate.getTime()),
    };
  }

  override describeMapRun(mapRunArn: string): DescribeMapRunOutput {
    try {
      return super.describeMapRun(mapRunArn);
    } catch (error) {
      const run = this.store.mapRun(mapRunArn)?.run;
      if (!(error instanceof ResourceNotFoundError) || !run) throw error;
      return run.description;
    }
  }

  override listMapRuns(executionArn: string): { mapRuns: MapRunListItem[] } {
    const live = super.listMapRuns(executionArn);
    const stored = this.store.get(executionArn);
    if (live.mapRuns.length > 0 || !stored) return live;
    return { mapRuns: stored.mapRuns.map((run) => run.item) };
  }

  override async stopExecution(executionArn: string, error?: string, cause?: string) {
    try {
      return await super.stopExecution(executionArn, error, cause);
    } catch (failure) {
      const stored = this.store.get(executionArn)?.execution;
      if (!(failure instanceof ExecutionDoesNotExistError) || !stored?.stopDate) throw failure;
      return { stopDate: stored.stopDate };
    }
  }

  #storedChild(executionArn: string): DescribeExecutionOutput | undefined {
    for (const stored of this.store.all()) {
      for (const run of stored.mapRuns) {
        const child = run.unsuccessfulChildren.find((c) => c.executionArn === executionArn);
        if (child) return child;
      }
    }
    return undefined;
  }
}
