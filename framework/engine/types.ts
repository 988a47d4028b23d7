import type { StateMachineDefinition } from './asl.js';

/**
 * Status of an execution, as `DescribeExecution` reports it.
 *
 * @example
 * ```ts
 * const done: ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
 * ```
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * Status of a Map Run, as `DescribeMapRun` reports it.
 *
 * @example
 * ```ts
 * if (run.status === 'FAILED') console.error('map run failed');
 * ```
 */
export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/**
 * `MapRunItemCounts` / `MapRunExecutionCounts` of the Step Functions API.
 *
 * @example
 * ```ts
 * const progress = counts.succeeded / counts.total;
 * ```
 */
export interface MapRunCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  total: number;
  resultsWritten: number;
  failuresNotRedrivable: number;
  pendingRedrive: number;
}

/**
 * What `StartExecution` takes: the definition (an object or its JSON text) and the input.
 *
 * @example
 * ```ts
 * engine.startExecution({ definition, input: { jobId: 'j1' }, name: 'j1' });
 * ```
 */
export interface StartExecutionInput {
  readonly definition: StateMachineDefinition | string | object;
  /** The execution input, a JSON value. @default {} */
  readonly input?: unknown;
  /** @default a random UUID */
  readonly name?: string;
  /** @default `arn:aws:states:<region>:<account>:stateMachine:StateMachine` */
  readonly stateMachineArn?: string;
}

/**
 * A running (or finished) execution. `status`, `output`, `error` and `cause` change while it
 * runs; `done` resolves (never rejects) with this same object once it has stopped.
 *
 * @example
 * ```ts
 * const execution = engine.startExecution({ definition, input });
 * await execution.done;
 * if (execution.status !== 'SUCCEEDED') throw new Error(`${execution.error}: ${execution.cause}`);
 * ```
 */
export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate: Date | undefined;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  readonly done: Promise<Execution>;
  /** `StopExecution`: aborts running invocations; the execution ends `ABORTED`. */
  stop(error?: string, cause?: string): Promise<{ stopDate: Date }>;
}

/**
 * `DescribeExecution`'s response (input and output as JSON text, as the API returns them).
 *
 * @example
 * ```ts
 * const { status, output } = engine.describeExecution(arn);
 * ```
 */
export interface DescribeExecutionOutput {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  mapRunArn?: string;
  redriveCount: number;
  redriveDate?: Date;
  /** Whether RedriveExecution would take it now, and why not. */
  redriveStatus?: 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';
  redriveStatusReason?: string;
}

/**
 * One entry of `ListExecutions`.
 *
 * @example
 * ```ts
 * const running = engine.listExecutions({ statusFilter: 'RUNNING' }).executions;
 * ```
 */
export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  mapRunArn?: string;
  redriveCount?: number;
  redriveDate?: Date;
}

/**
 * `DescribeMapRun`'s response.
 *
 * @example
 * ```ts
 * const { itemCounts } = engine.describeMapRun(mapRunArn);
 * ```
 */
export interface DescribeMapRunOutput {
  mapRunArn: string;
  executionArn: string;
  status: MapRunStatus;
  startDate: Date;
  stopDate?: Date;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  toleratedFailureCount: number;
  itemCounts: MapRunCounts;
  executionCounts: MapRunCounts;
  redriveCount: number;
  redriveDate?: Date;
}

/**
 * One entry of `ListMapRuns`.
 *
 * @example
 * ```ts
 * const [first] = engine.listMapRuns(executionArn).mapRuns;
 * ```
 */
export interface MapRunListItem {
  executionArn: string;
  mapRunArn: string;
  stateMachineArn: string;
  startDate: Date;
  stopDate?: Date;
}
