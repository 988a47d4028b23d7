import { BUCKET_LAYOUT } from '../deploy/layout.js';
import type { JobRef } from '../tasks/payloads.js';
import { ExecutionNotFoundError } from './aws/errors.js';
import { jobInputOf, type MapBytesReader, type StageBytes } from './mapBytes.js';
import {
  type ExecutionDescription,
  type ExecutionStatus,
  isApiError,
  type MapRunEntry,
  type Orchestrator,
} from './orchestrator.js';

export type { ExecutionStatus };

/** Item counts of one stage (one Map Run) of a job. */
export interface StageProgress {
  /** The stage: `Map` or `Reduce` for a stepmr job, else the Map Run's label. */
  readonly name: string;
  readonly mapRunArn: string;
  /** The Map Run's status: RUNNING, SUCCEEDED, FAILED or ABORTED. */
  readonly status: string;
  readonly total: number;
  readonly succeeded: number;
  /** Items that failed or timed out. */
  readonly failed: number;
  readonly aborted: number;
  readonly running: number;
  readonly pending: number;
  /** The stage's tasks (its child executions; a task takes one or more items) by state. */
  readonly tasks: { readonly running: number; readonly succeeded: number; readonly failed: number };
  readonly startDate: Date | undefined;
  readonly stopDate: Date | undefined;
  /**
   * Of a stepmr job's Map stage, read from its working objects: the input bytes, and those of
   * the splits whose task wrote its output. Undefined where that cannot be known exactly.
   */
  readonly bytes?: StageBytes;
}

/** A job's execution, on Step Functions or on this machine, with its stages. */
export interface ExecutionReport {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly status: ExecutionStatus | string;
  readonly startDate: Date;
  readonly stopDate: Date | undefined;
  /** The execution output, parsed (a job's commit summary) once it SUCCEEDED. */
  readonly output: unknown;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** The job's Map Runs, in the order they started. */
  readonly stages: readonly StageProgress[];
  /**
   * Of a FAILED execution whose stage had failed tasks: the first failed task's error, which is
   * what to fix when the execution's own error is only `States.ExceedToleratedFailureThreshold`.
   */
  readonly taskFailure:
    | { readonly error: string | undefined; readonly cause: string | undefined }
    | undefined;
  /** Why a figure is missing: the job's working objects could not be read, say. */
  readonly notes?: readonly string[];
}

/** The stage names of a stepmr job's Map Runs, in order (the state names of its definition). */
const STAGE_NAMES = ['Map', 'Reduce'];
const GENERATED_LABEL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The stage name of the `index`-th Map Run: its label (`…:mapRun:<machine>/<label>:<id>`), or,
 * when Step Functions generated the label, the job's stage at that position.
 *
 * @example
 * ```ts
 * stageName('arn:aws:states:us-east-1:123456789012:mapRun:sm/Reduce:1f0…', 1); // 'Reduce'
 * ```
 */
export function stageName(mapRunArn: string, index: number): string {
  const label = (mapRunArn.split(':')[6] ?? '').split('/').slice(1).join('/');
  if (label && !GENERATED_LABEL.test(label)) return label;
  return STAGE_NAMES[index] ?? `Map run ${index + 1}`;
}

/** `Error: message` of a failed execution or task, unwrapping a Lambda error's JSON cause. */
export function describeFailure(outcome: {
  readonly status: string;
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}): string {
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

async function describe(orchestrator: Orchestrator, executionArn: string): Promise<ExecutionDescription> {
  try {
    return await orchestrator.describeExecution({ executionArn });
  } catch (error) {
    if (!isApiError(error, 'ExecutionDoesNotExist')) throw error;
    const where = await orchestrator.where();
    throw new ExecutionNotFoundError(
      `no execution ${executionArn} in ${where}; check the ARN (stepmr list shows the recent ones)`,
      { cause: error },
    );
  }
}

async function mapRuns(orchestrator: Orchestrator, executionArn: string): Promise<MapRunEntry[]> {
  const runs: MapRunEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await orchestrator.listMapRuns({ executionArn, maxResults: 1000, nextToken });
    runs.push(...(page.mapRuns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return runs.sort((a, b) => (a.startDate?.getTime() ?? 0) - (b.startDate?.getTime() ?? 0));
}

async function stage(orchestrator: Orchestrator, run: MapRunEntry, index: number): Promise<StageProgress> {
  const mapRunArn = run.mapRunArn ?? '';
  const described = await orchestrator.describeMapRun({ mapRunArn });
  const { status = 'RUNNING', itemCounts: c, executionCounts: e } = described;
  return {
    name: stageName(mapRunArn, index),
    mapRunArn,
    status,
    total: c?.total ?? 0,
    succeeded: c?.succeeded ?? 0,
    failed: (c?.failed ?? 0) + (c?.timedOut ?? 0),
    aborted: c?.aborted ?? 0,
    running: c?.running ?? 0,
    pending: c?.pending ?? 0,
    tasks: {
      running: e?.running ?? 0,
      succeeded: e?.succeeded ?? 0,
      failed: (e?.failed ?? 0) + (e?.timedOut ?? 0),
    },
    startDate: described.startDate ?? run.startDate,
    stopDate: described.stopDate,
  };
}

/**
 * The Map stage with the bytes it has read, from the job's working objects; or, when they
 * cannot be read, the stages as they are and a note saying why.
 */
async function withBytes(
  stages: StageProgress[],
  execution: ExecutionDescription,
  work: MapBytesReader,
): Promise<{ stages: StageProgress[]; notes?: string[] }> {
  const at = stages.findIndex((s) => s.name === 'Map');
  const map = stages[at];
  const input = jobInputOf(execution.input, execution.name, BUCKET_LAYOUT.work);
  if (!map || !input) return { stages };
  try {
    const bytes = await work.bytes(input, {
      running: map.status === 'RUNNING',
      allSucceeded: map.succeeded === map.total,
      items: map.total,
    });
    if (!bytes) return { stages };
    return { stages: stages.map((s, i) => (i === at ? { ...s, bytes } : s)) };
  } catch (error) {
    const where = `s3://${input.job.bucket}/${input.job.prefix}`;
    return {
      stages,
      notes: [
        `bytes read unknown: cannot read the job's working objects under ${where} (${(error as Error).message}); status needs s3:GetObject and s3:ListBucket on that bucket`,
      ],
    };
  }
}

/**
 * The error of the child execution that failed first in the first stage with failures (among
 * its latest 1,000 failed ones); best effort.
 */
async function taskFailure(
  orchestrator: Orchestrator,
  stages: readonly StageProgress[],
): Promise<ExecutionReport['taskFailure']> {
  const failed = stages.find((s) => s.failed > 0);
  if (!failed) return undefined;
  try {
    const { executions = [] } = await orchestrator.listExecutions({
      mapRunArn: failed.mapRunArn,
      statusFilter: 'FAILED',
      maxResults: 1000,
    });
    // The task that failed first: later ones may only have failed for what it did (or timed out).
    const ended = (e: (typeof executions)[number]) => e.stopDate?.getTime() ?? Number.POSITIVE_INFINITY;
    const first = executions.reduce<(typeof executions)[number] | undefined>(
      (a, e) => (a && ended(a) <= ended(e) ? a : e),
      undefined,
    )?.executionArn;
    if (!first) return undefined;
    const { error, cause } = await orchestrator.describeExecution({ executionArn: first });
    return { error, cause };
  } catch {
    // The stage's own error is still reported.
    return undefined;
  }
}

function parseOutput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Where a job's execution is: DescribeExecution, then ListMapRuns and DescribeMapRun for the
 * item and task counts of each stage; with `work`, the bytes its Map stage has read, from the
 * job's working objects. An unknown ARN is an `ExecutionNotFoundError`.
 *
 * @example
 * ```ts
 * const report = await getExecutionStatus(sfnOrchestrator(sfnClient()), executionArn);
 * for (const s of report.stages) console.log(s.name, s.succeeded, '/', s.total);
 * ```
 */
export async function getExecutionStatus(
  orchestrator: Orchestrator,
  executionArn: string,
  options: { readonly work?: MapBytesReader | undefined } = {},
): Promise<ExecutionReport> {
  const execution = await describe(orchestrator, executionArn);
  const runs = await mapRuns(orchestrator, executionArn);
  const counted = await Promise.all(runs.map((run, i) => stage(orchestrator, run, i)));
  const { stages, notes } = options.work
    ? await withBytes(counted, execution, options.work)
    : { stages: counted, notes: undefined };
  return {
    executionArn,
    name: execution.name ?? '',
    stateMachineArn: execution.stateMachineArn ?? '',
    status: execution.status ?? 'RUNNING',
    startDate: execution.startDate ?? new Date(0),
    stopDate: execution.stopDate,
    output: parseOutput(execution.output),
    error: execution.error,
    cause: execution.cause,
    stages,
    taskFailure: execution.status === 'FAILED' ? await taskFailure(orchestrator, stages) : undefined,
    ...(notes ? { notes } : {}),
  };
}

/** One execution of a listing. */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: Date;
  readonly stopDate: Date | undefined;
}

/**
 * The most recent executions of a state machine, newest first, following pages up to `limit`.
 *
 * @example
 * ```ts
 * const failed = await listJobExecutions(orchestrator, stateMachineArn, { status: 'FAILED', limit: 10 });
 * ```
 */
export async function listJobExecutions(
  orchestrator: Orchestrator,
  stateMachineArn: string,
  options: { readonly status?: ExecutionStatus; readonly limit?: number } = {},
): Promise<ExecutionSummary[]> {
  const limit = options.limit ?? 20;
  const found: ExecutionSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await orchestrator.listExecutions({
      stateMachineArn,
      maxResults: Math.min(1000, limit - found.length),
      ...(options.status ? { statusFilter: options.status } : {}),
      nextToken,
    });
    for (const e of page.executions ?? []) {
      found.push({
        executionArn: e.executionArn ?? '',
        name: e.name ?? '',
        status: e.status ?? 'RUNNING',
        startDate: e.startDate ?? new Date(0),
        stopDate: e.stopDate,
      });
    }
    nextToken = page.nextToken;
  } while (nextToken && found.length < limit);
  return found.slice(0, limit);
}

/** What {@link stopJobExecution} did. */
export interface StopOutcome {
  readonly stopped: boolean;
  /** The status after the stop (ABORTED), or the one it had already ended with. */
  readonly status: string;
  readonly stopDate: Date | undefined;
  /** The job the execution runs, if it is a stepmr job's (see {@link jobOfExecution}). */
  readonly job: JobRef | undefined;
}

/**
 * Stops a running execution (it ends ABORTED with `error` and `cause`). The job's Abort step
 * does not run on a stop: the caller removes the working objects of the `job` it resolves
 * with. Resolves with the execution's status before the stop, and the stop date.
 *
 * @example
 * ```ts
 * const { stopped } = await stopJobExecution(orchestrator, executionArn);
 * ```
 */
export async function stopJobExecution(
  orchestrator: Orchestrator,
  executionArn: string,
  options: { readonly error?: string; readonly cause?: string } = {},
): Promise<StopOutcome> {
  const before = await describe(orchestrator, executionArn);
  const job = jobOf(before.input, before.name);
  if (before.status !== 'RUNNING') {
    return { stopped: false, status: before.status ?? 'RUNNING', stopDate: before.stopDate, job };
  }
  const { stopDate } = await orchestrator.stopExecution({
    executionArn,
    error: options.error ?? 'Stepmr.Cancelled',
    cause: options.cause ?? 'stopped with stepmr stop',
  });
  return { stopped: true, status: 'ABORTED', stopDate, job };
}

/**
 * The job an execution ran: its `{ jobId, bucket, prefix }`, or undefined for an execution
 * that is not a stepmr job's. Rejects with ExecutionNotFoundError for an unknown execution.
 *
 * @example
 * ```ts
 * const job = await jobOfExecution(orchestrator, executionArn);
 * ```
 */
export async function jobOfExecution(
  orchestrator: Orchestrator,
  executionArn: string,
): Promise<JobRef | undefined> {
  const described = await describe(orchestrator, executionArn);
  return jobOf(described.input, described.name);
}

/**
 * The job a stepmr execution runs, from its input: `{ jobId, bucket, prefix }` with the prefix
 * the job's own (`work/<job id>/`), and the job id the execution's name. Undefined for any
 * other execution, so that nothing is ever cleaned up on a guess.
 */
function jobOf(input: string | undefined, name: string | undefined): JobRef | undefined {
  try {
    const { jobId, bucket, prefix } = JSON.parse(input ?? '') as Record<string, unknown>;
    if (typeof jobId !== 'string' || typeof bucket !== 'string' || jobId !== name) return undefined;
    return prefix === `${BUCKET_LAYOUT.work}${jobId}/` ? { jobId, bucket, prefix } : undefined;
  } catch {
    return undefined;
  }
}
