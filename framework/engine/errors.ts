import { StepmrError } from '../errors.js';

/**
 * A runtime error of a state, as Step Functions reports it: an error name (`error`, such as
 * `States.TaskFailed` or a Lambda's `errorType`) and a human-readable `errorCause`. Retry and
 * Catch match on `error`; a Catch hands `{ Error, Cause }` to the next state.
 *
 * @example
 * ```ts
 * throw new StatesError('States.NoChoiceMatched', 'No Choice rule matched and there is no Default.');
 * ```
 */
export class StatesError extends StepmrError {
  override readonly name = 'StatesError';
  /** The Step Functions error name. */
  readonly error: string;
  /** The Step Functions cause (often a JSON string), if any. */
  readonly errorCause: string | undefined;

  constructor(error: string, errorCause?: string, options: { cause?: unknown } = {}) {
    super(`${error}: ${errorCause ?? '(no cause)'}`, options);
    this.error = error;
    this.errorCause = errorCause;
  }

  /** The error output a Catch passes on: `{ Error, Cause }`. */
  toErrorOutput(): { Error: string; Cause?: string } {
    return this.errorCause === undefined
      ? { Error: this.error }
      : { Error: this.error, Cause: this.errorCause };
  }
}

/**
 * The state machine definition is not valid ASL, or uses a feature the engine does not run.
 * The message names the state and the field.
 *
 * @example
 * ```ts
 * engine.startExecution({ definition: { StartAt: 'Nope', States: {} } }); // throws DefinitionError
 * ```
 */
export class DefinitionError extends StepmrError {
  override readonly name = 'InvalidDefinition';
}

/**
 * The execution input is not JSON, or is larger than the execution input limit.
 *
 * @example
 * ```ts
 * engine.startExecution({ definition, input: 'x'.repeat(300_000) }); // throws InvalidExecutionInputError
 * ```
 */
export class InvalidExecutionInputError extends StepmrError {
  override readonly name = 'InvalidExecutionInput';
}

/**
 * An execution name that Step Functions would refuse (empty, longer than 80 characters, or
 * with whitespace, brackets, wildcards or the characters `" # % \ ^ | ~ \` $ & , ; : /`).
 *
 * @example
 * ```ts
 * engine.startExecution({ definition, name: 'a b' }); // throws InvalidNameError
 * ```
 */
export class InvalidNameError extends StepmrError {
  override readonly name = 'InvalidName';
}

/**
 * An execution with this name was already started for this state machine.
 *
 * @example
 * ```ts
 * engine.startExecution({ definition, name: 'run-1' });
 * engine.startExecution({ definition, name: 'run-1' }); // throws ExecutionAlreadyExistsError
 * ```
 */
export class ExecutionAlreadyExistsError extends StepmrError {
  override readonly name = 'ExecutionAlreadyExists';
}

/**
 * No execution has this ARN.
 *
 * @example
 * ```ts
 * engine.describeExecution('arn:aws:states:us-east-1:123456789012:execution:sm:nope'); // throws
 * ```
 */
export class ExecutionDoesNotExistError extends StepmrError {
  override readonly name = 'ExecutionDoesNotExist';
}

/**
 * `RedriveExecution` of an execution that cannot be redriven: running, succeeded, ended more
 * than 14 days ago, a Distributed Map's child, or one this engine cannot redrive.
 *
 * @example
 * ```ts
 * engine.redriveExecution(succeededArn); // throws ExecutionNotRedrivableError
 * ```
 */
export class ExecutionNotRedrivableError extends StepmrError {
  override readonly name = 'ExecutionNotRedrivable';
}

/**
 * No Map Run has this ARN.
 *
 * @example
 * ```ts
 * engine.describeMapRun('arn:aws:states:us-east-1:123456789012:mapRun:sm/Map:nope'); // throws
 * ```
 */
export class ResourceNotFoundError extends StepmrError {
  override readonly name = 'ResourceNotFound';
}

/**
 * Internal signal: the execution was stopped (or timed out) while this work ran. Never reaches
 * a Catch.
 *
 * @example
 * ```ts
 * if (signal.aborted) throw new ExecutionAbortedError();
 * ```
 */
export class ExecutionAbortedError extends StepmrError {
  override readonly name = 'ExecutionAborted';

  constructor() {
    super('The execution was stopped.');
  }
}
