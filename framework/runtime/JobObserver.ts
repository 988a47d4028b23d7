import type { EngineEvent } from '../engine/index.js';

/** The outcome of an execution, as the engine or DescribeExecution reports it. */
export interface ExecutionOutcome {
  readonly status: string;
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

/** `Error: message` of a failed execution, unwrapping a Lambda error's JSON cause. */
export function describeFailure(outcome: ExecutionOutcome): string {
  const error = outcome.error ?? outcome.status;
  if (!outcome.cause) return error;
  try {
    const cause = JSON.parse(outcome.cause) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') return `${error}: ${cause.errorMessage}`;
  } catch {
    // not JSON: shown as it is
  }
  return `${error}: ${outcome.cause}`;
}

/**
 * Follows one job's execution through the engine's events: wall time of each of the job's
 * own states, and the first failure of a task (a child execution), which is the error a user
 * must fix when a stage fails only with `States.ExceedToleratedFailureThreshold`.
 *
 * @example
 * ```ts
 * const observer = new JobObserver(jobId, Date.now);
 * const engine = new Engine({ invoker, stores, onEvent: (e) => observer.observe(e) });
 * ```
 */
/** The states of the job's state machine whose times a summary shows; not its Choice or Pass. */
const STAGES = new Set(['Map', 'Shuffle', 'Reduce', 'Commit']);

export class JobObserver {
  readonly stageMs: Record<string, number> = {};
  #firstTaskFailure: ExecutionOutcome | undefined;
  readonly #entered = new Map<string, number>();

  constructor(
    private readonly jobId: string,
    private readonly now: () => number = Date.now,
  ) {}

  observe(event: EngineEvent): void {
    const own = event.executionArn.endsWith(`:${this.jobId}`);
    if (!own) {
      if (event.type === 'ExecutionFailed' && !this.#firstTaskFailure) {
        this.#firstTaskFailure = { status: 'FAILED', error: event.error, cause: event.cause };
      }
      return;
    }
    if (event.type === 'StateEntered' && STAGES.has(event.name)) this.#entered.set(event.name, this.now());
    if (event.type === 'StateExited' && STAGES.has(event.name)) {
      this.stageMs[event.name] = this.now() - (this.#entered.get(event.name) ?? this.now());
    }
  }

  /** Why the job failed, in the words of the error the user has to fix. */
  failureReason(outcome: ExecutionOutcome): string {
    if (outcome.error === 'States.ExceedToleratedFailureThreshold' && this.#firstTaskFailure) {
      return `${describeFailure(this.#firstTaskFailure)} (${outcome.error})`;
    }
    return describeFailure(outcome);
  }
}
