import { setMaxListeners } from 'node:events';
import type { Machine } from './definition.js';
import type { DescribeExecutionOutput, Execution, ExecutionListItem, ExecutionStatus } from './types.js';

/** Where a top-level execution is: the state it entered last, and that state's input. */
export interface Position {
  readonly name: string;
  readonly input: unknown;
}

/**
 * A top-level execution: the handle `startExecution` returns and the record behind
 * `DescribeExecution` / `ListExecutions`. Internal; users see it as {@link Execution}.
 *
 * @example
 * ```ts
 * const record = new ExecutionRecord({ executionArn, stateMachineArn, name, startDate, input, machine }, onStop);
 * ```
 */
export class ExecutionRecord implements Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly startDate: Date;
  readonly input: unknown;
  readonly machine: Machine;
  status: ExecutionStatus = 'RUNNING';
  stopDate: Date | undefined;
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
  /** Times `RedriveExecution` ran it again, and when it last did. */
  redriveCount = 0;
  redriveDate: Date | undefined;
  /** The top-level state it entered last: where a redrive resumes. */
  position: Position | undefined;
  /** Whether its work has unwound since it last ended (a redrive waits for that). */
  settled = false;
  private controller = new AbortController();
  private settleDone: (execution: Execution) => void = () => undefined;
  private current: Promise<Execution>;

  constructor(
    init: {
      executionArn: string;
      stateMachineArn: string;
      name: string;
      startDate: Date;
      input: unknown;
      machine: Machine;
    },
    private readonly onStop: (record: ExecutionRecord) => Date,
  ) {
    this.executionArn = init.executionArn;
    this.stateMachineArn = init.stateMachineArn;
    this.name = init.name;
    this.startDate = init.startDate;
    this.input = init.input;
    this.machine = init.machine;
    setMaxListeners(0, this.controller.signal);
    this.current = new Promise((resolve) => {
      this.settleDone = resolve;
    });
  }

  /** Resolves once the execution (or its latest redrive) has stopped. */
  get done(): Promise<Execution> {
    return this.current;
  }

  /** Makes a finished execution RUNNING again, for a redrive from its position. */
  redrive(at: Date): void {
    this.status = 'RUNNING';
    this.stopDate = undefined;
    this.output = undefined;
    this.error = undefined;
    this.cause = undefined;
    this.redriveCount += 1;
    this.redriveDate = at;
    this.settled = false;
    this.controller = new AbortController();
    setMaxListeners(0, this.controller.signal);
    this.current = new Promise((resolve) => {
      this.settleDone = resolve;
    });
  }

  /** Aborted when the execution is stopped or times out. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async stop(error?: string, cause?: string): Promise<{ stopDate: Date }> {
    if (this.status === 'RUNNING') {
      this.error = error;
      this.cause = cause;
      this.onStop(this);
      this.controller.abort();
    }
    return { stopDate: this.stopDate ?? new Date() };
  }

  /** Moves a running execution to its final status; false when it already had one. */
  end(
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    at: Date,
    fields: { output?: unknown; error?: string | undefined; cause?: string | undefined },
  ): boolean {
    if (this.status !== 'RUNNING') return false;
    this.status = status;
    this.stopDate = at;
    this.output = fields.output;
    if ('error' in fields) this.error = fields.error;
    if ('cause' in fields) this.cause = fields.cause;
    if (status !== 'SUCCEEDED') this.controller.abort();
    return true;
  }

  /** Resolves `done`, once the execution's work has unwound. */
  settle(): void {
    this.settled = true;
    this.settleDone(this);
  }

  describe(): DescribeExecutionOutput {
    return {
      executionArn: this.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      ...(this.stopDate ? { stopDate: this.stopDate } : {}),
      input: JSON.stringify(this.input),
      inputDetails: { included: true },
      ...(this.status === 'SUCCEEDED'
        ? { output: JSON.stringify(this.output), outputDetails: { included: true } }
        : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.cause !== undefined ? { cause: this.cause } : {}),
      redriveCount: this.redriveCount,
      ...(this.redriveDate ? { redriveDate: this.redriveDate } : {}),
    };
  }

  listItem(): ExecutionListItem {
    return {
      executionArn: this.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      ...(this.stopDate ? { stopDate: this.stopDate } : {}),
      redriveCount: this.redriveCount,
      ...(this.redriveDate ? { redriveDate: this.redriveDate } : {}),
    };
  }
}
