import { StepmrError } from '../../errors.js';
import { isApiError, type Orchestrator } from '../orchestrator.js';

/** A claimed batch, as `claimNextBatch` returns it. */
export interface ClaimedBatch {
  readonly batch: number;
  readonly files: readonly { readonly uri: string; readonly size: number }[];
  /** Claimed earlier and not committed: its execution may be running, or may have failed. */
  readonly resumed: boolean;
  /** A batch of no objects that runs to close the windows the watermark passed. */
  readonly closesWindows?: boolean;
}

/** Whether a claimed batch runs a job: it took objects, or it closes windows. */
const runs = (claimed: ClaimedBatch) => claimed.files.length > 0 || claimed.closesWindows === true;

/**
 * What {@link advanceStream} works with: the stream's claim path and the stack's state machine.
 * `start` gets the claim as `claim` returned it (with its offsets entry, for the real claim).
 */
export interface StreamAdvancePort<C extends ClaimedBatch = ClaimedBatch> {
  /** Claims the stream's next batch (committing a published one first), or undefined: nothing to do. */
  claim(): Promise<C | undefined>;
  /** The execution name of run `rerun` (0 first) of batch N: deterministic. */
  executionName(batch: number, rerun: number): string;
  /** Plans batch N and starts its execution under `name`; resolves with its ARN. */
  start(claimed: C, name: string): Promise<string>;
  readonly orchestrator: Pick<Orchestrator, 'describeExecution'>;
  /** The state machine's ARN, to name executions. */
  readonly stateMachineArn: string;
}

/** What a trigger did. */
export type AdvanceOutcome =
  | { readonly outcome: 'idle' }
  | { readonly outcome: 'running'; readonly batch: number; readonly execution: string }
  | {
      readonly outcome: 'started';
      readonly batch: number;
      /** The execution's name. */
      readonly execution: string;
      readonly executionArn: string;
      readonly rerun: number;
    };

/** A batch whose runs all failed: the stream waits until someone looks. */
export class BatchRunsExhaustedError extends StepmrError {
  override readonly name = 'BatchRunsExhaustedError';
}

/** Runs of one batch the trigger starts before it gives up on it. */
export const MAX_BATCH_RUNS = 3;

const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** The status of an execution, or undefined when there is none of that name. */
async function statusOf(
  port: Pick<StreamAdvancePort, 'orchestrator' | 'stateMachineArn'>,
  name: string,
): Promise<string | undefined> {
  try {
    const { status } = await port.orchestrator.describeExecution({
      executionArn: executionArn(port.stateMachineArn, name),
    });
    return status;
  } catch (error) {
    if (isApiError(error, 'ExecutionDoesNotExist')) return undefined;
    throw error;
  }
}

/**
 * One step of a stream on the deployed stack, whatever woke it: claims the next batch (the
 * claim commits a batch whose output is published) and starts its execution, named after the
 * stream and the batch. A batch claimed before and not committed is resumed: if a run of it is
 * running, nothing starts (one batch at a time); if its last run ended without publishing, the
 * next re-run starts, up to `maxRuns` (`stepmr trigger` allows more, after a fix). Two triggers at once ask for the same
 * execution name: the second finds it exists (`ExecutionAlreadyExists`), and that is success.
 *
 * @example
 * ```ts
 * const outcome = await advanceStream(port); // { outcome: 'started', batch: 3, execution: 'clicks-b3', rerun: 0 }
 * ```
 */
export async function advanceStream<C extends ClaimedBatch>(
  port: StreamAdvancePort<C>,
  maxRuns: number = MAX_BATCH_RUNS,
): Promise<AdvanceOutcome> {
  let claimed = await port.claim();
  // A batch that took no objects (it only skipped rewritten ones) has nothing to run: the
  // next claim commits it and cuts the one after.
  for (let round = 0; claimed && !runs(claimed) && round < 10; round++) {
    claimed = await port.claim();
  }
  if (!claimed || !runs(claimed)) return { outcome: 'idle' };
  let rerun = 0;
  if (claimed.resumed) {
    for (; rerun < maxRuns; rerun++) {
      const name = port.executionName(claimed.batch, rerun);
      const status = await statusOf(port, name);
      if (status === undefined) break;
      // A run that succeeded but that the claim found unpublished ended as one that failed; a
      // run that succeeded since the claim makes the next run's plan fail (its output holds a
      // result), and the retried event's claim commits it.
      if (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
        return { outcome: 'running', batch: claimed.batch, execution: name };
      }
    }
    if (rerun === maxRuns) {
      throw new BatchRunsExhaustedError(
        `batch ${claimed.batch} failed ${maxRuns} times (executions ${port.executionName(claimed.batch, 0)} to ${port.executionName(claimed.batch, maxRuns - 1)}); the stream waits for it: read the errors with stepmr status <execution>, fix their cause (deploy the fix), then run it again with stepmr trigger <stream>`,
      );
    }
  }
  const name = port.executionName(claimed.batch, rerun);
  try {
    const executionArn = await port.start(claimed, name);
    return { outcome: 'started', batch: claimed.batch, execution: name, executionArn, rerun };
  } catch (error) {
    if (!isApiError(error, 'ExecutionAlreadyExists')) throw error;
    return { outcome: 'running', batch: claimed.batch, execution: name };
  }
}
