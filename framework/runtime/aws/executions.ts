import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  type ExecutionStatus,
  ListExecutionsCommand,
  ListMapRunsCommand,
  type MapRunListItem,
  type SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { BUCKET_LAYOUT } from '../../deploy/layout.js';
import type { JobRef } from '../../tasks/payloads.js';
import { ExecutionNotFoundError } from './errors.js';

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
}

/** A job's execution on Step Functions, with its stages. */
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

function isNotFound(error: unknown): boolean {
  return (error as Error)?.name === 'ExecutionDoesNotExist';
}

async function describe(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await client.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const region = await client.config.region().catch(() => 'this region');
    throw new ExecutionNotFoundError(
      `no execution ${executionArn} in ${region}; check the ARN (stepmr list shows the recent ones)`,
      { cause: error },
    );
  }
}

async function mapRuns(client: SFNClient, executionArn: string): Promise<MapRunListItem[]> {
  const runs: MapRunListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListMapRunsCommand({ executionArn, maxResults: 1000, nextToken }));
    runs.push(...(page.mapRuns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return runs.sort((a, b) => (a.startDate?.getTime() ?? 0) - (b.startDate?.getTime() ?? 0));
}

async function stage(client: SFNClient, run: MapRunListItem, index: number): Promise<StageProgress> {
  const mapRunArn = run.mapRunArn ?? '';
  const { status = 'RUNNING', itemCounts: c } = await client.send(new DescribeMapRunCommand({ mapRunArn }));
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
  };
}

/** The error of the first failed child execution of the first stage with failures; best effort. */
async function taskFailure(
  client: SFNClient,
  stages: readonly StageProgress[],
): Promise<ExecutionReport['taskFailure']> {
  const failed = stages.find((s) => s.failed > 0);
  if (!failed) return undefined;
  try {
    const { executions = [] } = await client.send(
      new ListExecutionsCommand({ mapRunArn: failed.mapRunArn, statusFilter: 'FAILED', maxResults: 1 }),
    );
    const first = executions[0]?.executionArn;
    if (!first) return undefined;
    const { error, cause } = await client.send(new DescribeExecutionCommand({ executionArn: first }));
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
 * item counts of each stage. An unknown ARN is an `ExecutionNotFoundError`.
 *
 * @example
 * ```ts
 * const report = await getExecutionStatus(sfnClient(), executionArn);
 * for (const s of report.stages) console.log(s.name, s.succeeded, '/', s.total);
 * ```
 */
export async function getExecutionStatus(client: SFNClient, executionArn: string): Promise<ExecutionReport> {
  const execution = await describe(client, executionArn);
  const runs = await mapRuns(client, executionArn);
  const stages = await Promise.all(runs.map((run, i) => stage(client, run, i)));
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
    taskFailure: execution.status === 'FAILED' ? await taskFailure(client, stages) : undefined,
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
 * const failed = await listJobExecutions(sfnClient(), stateMachineArn, { status: 'FAILED', limit: 10 });
 * ```
 */
export async function listJobExecutions(
  client: SFNClient,
  stateMachineArn: string,
  options: { readonly status?: ExecutionStatus; readonly limit?: number } = {},
): Promise<ExecutionSummary[]> {
  const limit = options.limit ?? 20;
  const found: ExecutionSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListExecutionsCommand({
        stateMachineArn,
        maxResults: Math.min(1000, limit - found.length),
        ...(options.status ? { statusFilter: options.status } : {}),
        nextToken,
      }),
    );
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

/**
 * Stops a running execution (it ends ABORTED with `error` and `cause`). The job's Abort step
 * does not run on a stop: the caller removes the working objects of the `job` it resolves
 * with. Resolves with the execution's status before the stop, and the stop date.
 *
 * @example
 * ```ts
 * const { stopped } = await stopJobExecution(sfnClient(), executionArn);
 * ```
 */
export async function stopJobExecution(
  client: SFNClient,
  executionArn: string,
  options: { readonly error?: string; readonly cause?: string } = {},
): Promise<{ stopped: boolean; status: string; stopDate: Date | undefined; job: JobRef | undefined }> {
  const before = await describe(client, executionArn);
  const job = jobOf(before.input, before.name);
  if (before.status !== 'RUNNING') {
    return { stopped: false, status: before.status ?? 'RUNNING', stopDate: before.stopDate, job };
  }
  const { stopDate } = await client.send(
    new StopExecutionCommand({
      executionArn,
      error: options.error ?? 'Stepmr.Cancelled',
      cause: options.cause ?? 'stopped with stepmr stop',
    }),
  );
  return { stopped: true, status: 'ABORTED', stopDate, job };
}

/**
 * The job an execution ran: its `{ jobId, bucket, prefix }`, or undefined for an execution
 * that is not a stepmr job's. Rejects with ExecutionNotFoundError for an unknown execution.
 *
 * @example
 * ```ts
 * const job = await jobOfExecution(sfnClient(), executionArn);
 * ```
 */
export async function jobOfExecution(client: SFNClient, executionArn: string): Promise<JobRef | undefined> {
  const described = await describe(client, executionArn);
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

/** Options of {@link watchExecution}. */
export interface WatchOptions {
  /** Time between polls, ms. @default 2000 */
  readonly intervalMs?: number;
  /** Called with every report, the last one included. */
  readonly onProgress?: (report: ExecutionReport) => void;
  /** Stops watching (the execution goes on); the promise rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /** Waits between polls. @default a timer */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {});

/**
 * Polls an execution until it ends; resolves with its final report: the output (a job's commit
 * summary) when it SUCCEEDED, its error and cause otherwise.
 *
 * @example
 * ```ts
 * const done = await watchExecution(sfnClient(), executionArn, {
 *   onProgress: (r) => console.error(r.stages.map((s) => `${s.name} ${s.succeeded}/${s.total}`).join(', ')),
 * });
 * ```
 */
export async function watchExecution(
  client: SFNClient,
  executionArn: string,
  options: WatchOptions = {},
): Promise<ExecutionReport> {
  const sleep = options.sleep ?? defaultSleep;
  for (;;) {
    options.signal?.throwIfAborted();
    const report = await getExecutionStatus(client, executionArn);
    options.onProgress?.(report);
    if (report.status !== 'RUNNING' && report.status !== 'PENDING_REDRIVE') return report;
    await sleep(options.intervalMs ?? 2000, options.signal);
  }
}
