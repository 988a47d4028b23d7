/**
 * The orchestrator port: the Step Functions operations a driver uses, in the API's own shapes
 * (dates as `Date`), narrowed to the fields stepmr reads. Adapters: Step Functions through the
 * SDK (`runtime/aws/sfnOrchestrator.ts`), the embedded engine in process
 * (`runtime/embedded/engineOrchestrator.ts`), and the local registry of runs made on this
 * machine, seen from another process (`runtime/embedded/registryOrchestrator.ts`).
 */

/** `DescribeExecution`'s answer. */
export interface ExecutionDescription {
  readonly executionArn?: string | undefined;
  readonly stateMachineArn?: string | undefined;
  readonly name?: string | undefined;
  readonly status?: string | undefined;
  readonly startDate?: Date | undefined;
  readonly stopDate?: Date | undefined;
  /** The execution input, JSON text. */
  readonly input?: string | undefined;
  /** The execution output, JSON text. */
  readonly output?: string | undefined;
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

/** One entry of `ListExecutions`. */
export interface ExecutionEntry {
  readonly executionArn?: string | undefined;
  readonly name?: string | undefined;
  readonly status?: string | undefined;
  readonly startDate?: Date | undefined;
  readonly stopDate?: Date | undefined;
}

/** One entry of `ListMapRuns`. */
export interface MapRunEntry {
  readonly mapRunArn?: string | undefined;
  readonly startDate?: Date | undefined;
}

/** `DescribeMapRun`'s answer. */
export interface MapRunDescription {
  readonly status?: string | undefined;
  readonly itemCounts?:
    | {
        readonly total?: number | undefined;
        readonly succeeded?: number | undefined;
        readonly failed?: number | undefined;
        readonly timedOut?: number | undefined;
        readonly aborted?: number | undefined;
        readonly running?: number | undefined;
        readonly pending?: number | undefined;
      }
    | undefined;
}

/** One event of `GetExecutionHistory`. */
export interface HistoryEntry {
  readonly timestamp?: Date | undefined;
  readonly type?: string | undefined;
  readonly stateEnteredEventDetails?: { readonly name?: string | undefined } | undefined;
  readonly stateExitedEventDetails?: { readonly name?: string | undefined } | undefined;
}

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
