import type {
  DescribeExecutionOutput,
  DescribeMapRunOutput,
  ExecutionListItem,
  ExecutionStatus,
  MapRunCounts,
  MapRunListItem,
  MapRunStatus,
} from './types.js';

/** What a child execution of a Map Run is given: its input and how many items it holds. */
export interface ChildInput {
  readonly input: unknown;
  readonly items: number;
}

/**
 * One child execution of a Map Run. Internal.
 *
 * @example
 * ```ts
 * const done = run.children.filter((c) => c?.status === 'SUCCEEDED');
 * ```
 */
export interface ChildRecord {
  readonly name: string;
  readonly executionArn: string;
  /** Number of items it processes (more than one with an ItemBatcher). */
  readonly items: number;
  status: ExecutionStatus;
  startDate: Date;
  stopDate: Date | undefined;
  /** The input as JSON text, kept when a ResultWriter needs it. */
  inputJson: string | undefined;
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
}

function zero(): MapRunCounts {
  return {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    aborted: 0,
    total: 0,
    resultsWritten: 0,
    failuresNotRedrivable: 0,
    pendingRedrive: 0,
  };
}

const DONE_FIELD: Partial<Record<ExecutionStatus, 'succeeded' | 'failed' | 'timedOut' | 'aborted'>> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timedOut',
  ABORTED: 'aborted',
};

/**
 * The record of one Distributed Map run: configuration, item and execution counts, and the
 * child executions in item order. Backs `DescribeMapRun`, `ListMapRuns` and the ResultWriter.
 *
 * @example
 * ```ts
 * const run = new MapRun({ mapRunArn, executionArn, stateName: 'Map', childMachineArn, startDate, maxConcurrency: 10,
 *   toleratedFailurePercentage: 0, toleratedFailureCount: 0, totalItems: 5, totalExecutions: 5 });
 * ```
 */
export class MapRun {
  readonly mapRunArn: string;
  readonly executionArn: string;
  /** The Map state's name. */
  readonly stateName: string;
  readonly childMachineArn: string;
  readonly startDate: Date;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly toleratedFailureCount: number;
  readonly itemCounts = zero();
  readonly executionCounts = zero();
  /** Child executions by batch index; unset until started. */
  readonly children: (ChildRecord | undefined)[];
  status: MapRunStatus = 'RUNNING';
  stopDate: Date | undefined;
  redriveCount = 0;
  redriveDate: Date | undefined;
  /** The children's inputs, kept once the run has ended without success, for a redrive. */
  batches: readonly ChildInput[] | undefined;
  /** Unsuccessful children that a redrive ran again. */
  readonly earlier: ChildRecord[] = [];

  constructor(init: {
    mapRunArn: string;
    executionArn: string;
    stateName: string;
    childMachineArn: string;
    startDate: Date;
    maxConcurrency: number;
    toleratedFailurePercentage: number;
    toleratedFailureCount: number;
    totalItems: number;
    totalExecutions: number;
  }) {
    this.mapRunArn = init.mapRunArn;
    this.executionArn = init.executionArn;
    this.stateName = init.stateName;
    this.childMachineArn = init.childMachineArn;
    this.startDate = init.startDate;
    this.maxConcurrency = init.maxConcurrency;
    this.toleratedFailurePercentage = init.toleratedFailurePercentage;
    this.toleratedFailureCount = init.toleratedFailureCount;
    this.itemCounts.total = this.itemCounts.pending = init.totalItems;
    this.executionCounts.total = this.executionCounts.pending = init.totalExecutions;
    this.children = new Array(init.totalExecutions);
  }

  /** Counts a child (and its items) as running. */
  started(child: ChildRecord, index: number): void {
    this.children[index] = child;
    this.itemCounts.pending -= child.items;
    this.itemCounts.running += child.items;
    this.executionCounts.pending -= 1;
    this.executionCounts.running += 1;
  }

  /** Counts a child (and its items) by its final status. */
  finished(child: ChildRecord): void {
    const field = DONE_FIELD[child.status] ?? 'failed';
    this.itemCounts.running -= child.items;
    this.itemCounts[field] += child.items;
    this.executionCounts.running -= 1;
    this.executionCounts[field] += 1;
  }

  /**
   * Makes an ended run RUNNING again for a redrive: every child that did not succeed (or never
   * started) is pending again. Returns their indexes, in order.
   */
  redrive(at: Date): number[] {
    const again: number[] = [];
    for (let index = 0; index < this.children.length; index++) {
      const child = this.children[index];
      if (child?.status === 'SUCCEEDED') continue;
      again.push(index);
      if (!child) continue;
      const field = DONE_FIELD[child.status] ?? 'failed';
      this.itemCounts[field] -= child.items;
      this.itemCounts.pending += child.items;
      this.executionCounts[field] -= 1;
      this.executionCounts.pending += 1;
      this.earlier.push(child);
      this.children[index] = undefined;
    }
    this.status = 'RUNNING';
    this.stopDate = undefined;
    this.redriveCount += 1;
    this.redriveDate = at;
    return again;
  }

  /** `DescribeMapRun`. */
  describe(): DescribeMapRunOutput {
    return {
      mapRunArn: this.mapRunArn,
      executionArn: this.executionArn,
      status: this.status,
      startDate: this.startDate,
      ...(this.stopDate ? { stopDate: this.stopDate } : {}),
      maxConcurrency: this.maxConcurrency,
      toleratedFailurePercentage: this.toleratedFailurePercentage,
      toleratedFailureCount: this.toleratedFailureCount,
      itemCounts: { ...this.itemCounts },
      executionCounts: { ...this.executionCounts },
      redriveCount: this.redriveCount,
      ...(this.redriveDate ? { redriveDate: this.redriveDate } : {}),
    };
  }

  /** An entry of `ListMapRuns`. */
  listItem(): MapRunListItem {
    return {
      executionArn: this.executionArn,
      mapRunArn: this.mapRunArn,
      stateMachineArn: this.childMachineArn,
      startDate: this.startDate,
      ...(this.stopDate ? { stopDate: this.stopDate } : {}),
    };
  }

  /** `DescribeExecution` of one of this run's child executions, if it is one. */
  describeChild(executionArn: string): DescribeExecutionOutput | undefined {
    const child =
      this.children.find((c) => c?.executionArn === executionArn) ??
      this.earlier.find((c) => c.executionArn === executionArn);
    if (!child) return undefined;
    return {
      ...this.childItem(child),
      input: child.inputJson ?? '',
      inputDetails: { included: child.inputJson !== undefined },
      ...(child.status === 'SUCCEEDED'
        ? { output: JSON.stringify(child.output), outputDetails: { included: true } }
        : {}),
      ...(child.error !== undefined ? { error: child.error } : {}),
      ...(child.cause !== undefined ? { cause: child.cause } : {}),
      mapRunArn: this.mapRunArn,
      redriveCount: 0,
    };
  }

  /** `ListExecutions` of this run's child executions. */
  listChildren(): ExecutionListItem[] {
    return [...this.earlier, ...this.children].flatMap((c) =>
      c ? [{ ...this.childItem(c), mapRunArn: this.mapRunArn }] : [],
    );
  }

  private childItem(child: ChildRecord): ExecutionListItem {
    return {
      executionArn: child.executionArn,
      stateMachineArn: this.childMachineArn,
      name: child.name,
      status: child.status,
      startDate: child.startDate,
      ...(child.stopDate ? { stopDate: child.stopDate } : {}),
    };
  }
}
