import { setMaxListeners } from 'node:events';
import type { DescribeExecutionOutput, Execution, ExecutionListItem, ExecutionStatus } from './types.js';

/**
 * A top-level execution: the handle `startExecution` returns and the record behind
 * `DescribeExecution` / `ListExecutions`. Internal; users see it as {@link Execution}.
 *
 * @example
 * ```ts
 * const record = new ExecutionRecord({ executionArn, stateMachineArn, name, startDate, input }, onStop);
 * ```
 */
export class ExecutionRecord implements Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly startDate: Date;
  readonly input: unknown;
  readonly done: Promise<Execution>;
  status: ExecutionStatus = 'RUNNING';
  stopDate: Date | undefined;
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
  private readonly controller = new AbortController();
  private settleDone: (execution: Execution) => void = () => undefined;

  constructor(
    init: { executionArn: string; stateMachineArn: string; name: string; startDate: Date; input: unknown },
    private readonly onStop: (record: ExecutionRecord) => Date,
  ) {
    this.executionArn = init.executionArn;
    this.stateMachineArn = init.stateMachineArn;
    this.name = init.name;
    this.startDate = init.startDate;
    this.input = init.input;
    setMaxListeners(0, this.controller.signal);
    this.done = new Promise((resolve) => {
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
      redriveCount: 0,
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
    };
  }
}
