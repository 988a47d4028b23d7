/**
 * The orchestrator port: the Step Functions operations a driver uses, in the API's own shapes
 * (dates as `Date`), narrowed to the fields stepmr reads. Adapters: Step Functions through the
 * SDK (`runtime/aws/sfnOrchestrator.ts`), the embedded engine in process
 * (`runtime/embedded/engineOrchestrator.ts`), and the local registry of runs made on this
 * machine, seen from another process (`runtime/embedded/registryOrchestrator.ts`).
 */

/** An answer of the API: every field may be absent, as the SDK types them. */
type Answer<T> = { readonly [K in keyof T]?: T[K] | undefined };

/** `DescribeExecution`'s answer; `input` and `output` are JSON text. */
export type ExecutionDescription = Answer<{
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: Date;
  stopDate: Date;
  input: string;
  output: string;
  error: string;
  cause: string;
}>;

/** One entry of `ListExecutions`. */
export type ExecutionEntry = Pick<
  ExecutionDescription,
  'executionArn' | 'name' | 'status' | 'startDate' | 'stopDate'
>;

/** One entry of `ListMapRuns`. */
export type MapRunEntry = Answer<{ mapRunArn: string; startDate: Date }>;

/** Counts of a Map Run's items, or of its child executions (its tasks). */
type MapRunCounts = Answer<
  Record<'total' | 'succeeded' | 'failed' | 'timedOut' | 'aborted' | 'running' | 'pending', number>
>;

/** `DescribeMapRun`'s answer. */
export type MapRunDescription = Answer<{
  status: string;
  startDate: Date;
  stopDate: Date;
  itemCounts: MapRunCounts;
  executionCounts: MapRunCounts;
}>;

/** One event of `GetExecutionHistory`. */
export type HistoryEntry = Answer<{
  timestamp: Date;
  type: string;
  stateEnteredEventDetails: Answer<{ name: string }>;
  stateExitedEventDetails: Answer<{ name: string }>;
}>;

/** A page of a list operation. */
type Paged = { readonly maxResults?: number; readonly nextToken?: string | undefined };

/**
 * The operations of an orchestrator. Errors carry the Step Functions error name
 * (`ExecutionDoesNotExist`, …) in `name`, or in `type` for the engine's API errors: test them
 * with {@link isApiError}.
 *
 * @example
 * ```ts
 * const { status } = await orchestrator.describeExecution({ executionArn });
 * ```
 */
export interface Orchestrator {
  /** Where its executions live, for messages: `us-east-1`, `this machine`. */
  where(): Promise<string>;
  startExecution(input: {
    readonly stateMachineArn: string;
    readonly name: string;
    readonly input: string;
  }): Promise<{ readonly executionArn?: string | undefined }>;
  describeExecution(input: { readonly executionArn: string }): Promise<ExecutionDescription>;
  listExecutions(
    input: Paged & {
      readonly stateMachineArn?: string;
      readonly mapRunArn?: string;
      readonly statusFilter?: ExecutionStatus;
    },
  ): Promise<{ readonly executions?: ExecutionEntry[] | undefined; readonly nextToken?: string | undefined }>;
  stopExecution(input: {
    readonly executionArn: string;
    readonly error?: string;
    readonly cause?: string;
  }): Promise<{ readonly stopDate?: Date | undefined }>;
  listMapRuns(
    input: Paged & { readonly executionArn: string },
  ): Promise<{ readonly mapRuns?: MapRunEntry[] | undefined; readonly nextToken?: string | undefined }>;
  describeMapRun(input: { readonly mapRunArn: string }): Promise<MapRunDescription>;
  getExecutionHistory(
    input: Paged & { readonly executionArn: string; readonly includeExecutionData?: boolean },
  ): Promise<{ readonly events?: HistoryEntry[] | undefined; readonly nextToken?: string | undefined }>;
  /**
   * Waits about `ms` between two polls of an execution; an in-process orchestrator returns as
   * soon as the execution ends. Rejects with an AbortError when `signal` aborts.
   */
  pause(ms: number, executionArn: string, signal?: AbortSignal): Promise<void>;
}

/** The statuses of an execution. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

/**
 * Whether an error is the Step Functions API error `name`, as the SDK raises it (its `name`)
 * or the engine's API answers it (its `type`).
 *
 * @example
 * ```ts
 * if (isApiError(error, 'ExecutionDoesNotExist')) return undefined;
 * ```
 */
export function isApiError(error: unknown, name: string): boolean {
  const e = error as { name?: unknown; type?: unknown } | undefined;
  return e?.name === name || e?.type === name;
}
