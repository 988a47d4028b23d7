import { setTimeout as delay } from 'node:timers/promises';
import type { LocalJobRecord } from '../../contract/localJob.js';
import { ApiError } from '../../engine/http/errors.js';
import { InvalidOptionError } from '../errors.js';
import type { ExecutionDescription, ExecutionEntry, Orchestrator } from '../orchestrator.js';
import type { JobRegistry } from './jobRegistry.js';

/** The operations a job's report is made of: what the running process records. */
const RECORDED = ['describeExecution', 'listMapRuns', 'describeMapRun', 'listExecutions'] as const;
type Recorded = (typeof RECORDED)[number];

const key = (operation: Recorded, input: object) => `${operation} ${JSON.stringify(input)}`;
const jobIdOf = (executionArn: string) => executionArn.slice(executionArn.lastIndexOf(':') + 1);

/** A recorded answer, its ISO dates back as dates. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      (k === 'startDate' || k === 'stopDate') && typeof v === 'string' ? new Date(v) : revive(v),
    ]),
  );
}

/** Whether a process is alive (one of another user's is, though it cannot be signalled). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The in-process orchestrator of a run, recording each answer that makes up the job's report
 * in the record of the job it starts (whose result goes to `output`), so that another process
 * sees the run as this one does; at each look at the job it also honours a stop request.
 * `flush()` waits for the last write; `close()` too, then drops a stop request left over.
 *
 * @example
 * ```ts
 * const recording = recordingOrchestrator(engineOrchestrator(engine, machines), registry, '/data/out/wc');
 * ```
 */
export function recordingOrchestrator(
  inner: Orchestrator,
  registry: JobRegistry,
  output: string,
): Orchestrator & { flush(): Promise<void>; close(): Promise<void> } {
  const calls: Record<string, unknown> = {};
  let job: { readonly jobId: string; readonly executionArn: string } | undefined;
  let writes = Promise.resolve();
  const save = () => {
    if (!job) return;
    const record: LocalJobRecord = {
      version: 1,
      ...job,
      pid: process.pid,
      output,
      updatedAt: new Date().toISOString(),
      calls: { ...calls },
    };
    writes = writes.then(() => registry.write(record)).catch(() => undefined);
  };
  const recorded =
    <I extends object, O>(operation: Recorded, call: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      const answer = await call(input);
      calls[key(operation, input)] = answer;
      save();
      return answer;
    };
  return {
    ...inner,
    startExecution: async (input) => {
      const started = await inner.startExecution(input);
      job = { jobId: input.name, executionArn: started.executionArn ?? '' };
      return started;
    },
    describeExecution: recorded('describeExecution', async (input: { readonly executionArn: string }) => {
      if (job && input.executionArn === job.executionArn) {
        const stop = await registry.stopRequest(job.jobId);
        if (stop)
          await inner.stopExecution({ executionArn: job.executionArn, ...stop }).catch(() => undefined);
      }
      return inner.describeExecution(input);
    }),
    listMapRuns: recorded('listMapRuns', inner.listMapRuns),
    describeMapRun: recorded('describeMapRun', inner.describeMapRun),
    listExecutions: recorded('listExecutions', inner.listExecutions),
    flush: () => writes,
    close: async () => {
      await writes;
      if (job) await registry.clearStop(job.jobId);
    },
  };
}

const notFound = (executionArn: string) =>
  new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);

/**
 * The orchestrator port over the records of jobs run on this machine, for `stepmr status`,
 * `list` and `stop` in any process: answers are those the running process recorded, so the
 * report is the one it sees. A job whose process ended before it did is FAILED
 * (`Stepmr.ProcessExited`). A stop writes a stop request, which that process carries out at its
 * next poll. It starts nothing: `stepmr run` does.
 *
 * @example
 * ```ts
 * const report = await getExecutionStatus(registryOrchestrator(JobRegistry.ofHome()), executionArn);
 * ```
 */
export function registryOrchestrator(registry: JobRegistry): Orchestrator {
  const seen = new Map<string, LocalJobRecord>();
  const load = async (jobId: string) => {
    const record = await registry.read(jobId);
    if (record) seen.set(jobId, record);
    return record;
  };
  /** The answer recorded for a call, in the record of its job or, for a task's, any seen. */
  const answer = (operation: Recorded, input: object, jobId?: string): unknown => {
    const records = jobId ? [seen.get(jobId)] : [...seen.values()];
    for (const record of records) {
      const found = record?.calls[key(operation, input)];
      if (found !== undefined) return revive(found);
    }
    return undefined;
  };
  const describe = (record: LocalJobRecord): ExecutionDescription | undefined => {
    const found = answer('describeExecution', { executionArn: record.executionArn }, record.jobId) as
      | ExecutionDescription
      | undefined;
    if (found?.status !== 'RUNNING' || alive(record.pid)) return found;
    return {
      ...found,
      status: 'FAILED',
      stopDate: new Date(record.updatedAt),
      error: 'Stepmr.ProcessExited',
      cause: `process ${record.pid}, which ran the job, ended before the job did; run it again`,
    };
  };
  return {
    where: async () => `the jobs run on this machine (${registry.dir})`,
    startExecution: async () => {
      throw new InvalidOptionError('a job on this machine is started by stepmr run, not by the registry');
    },
    describeExecution: async ({ executionArn }) => {
      const record = await load(jobIdOf(executionArn));
      const own = record?.executionArn === executionArn ? describe(record) : undefined;
      const found =
        own ?? (answer('describeExecution', { executionArn }) as ExecutionDescription | undefined);
      if (!found) throw notFound(executionArn);
      return found;
    },
    listExecutions: async (input) => {
      if (input.mapRunArn)
        return (answer('listExecutions', input) as { executions: [] }) ?? { executions: [] };
      const listed: ExecutionEntry[] = [];
      for (const record of await registry.list()) {
        seen.set(record.jobId, record);
        const found = describe(record);
        if (found && (!input.statusFilter || found.status === input.statusFilter)) listed.push(found);
      }
      listed.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
      return { executions: listed.slice(0, input.maxResults ?? 100) };
    },
    stopExecution: async ({ executionArn, error, cause }) => {
      await registry.requestStop(jobIdOf(executionArn), {
        error: error ?? 'Stepmr.Cancelled',
        cause: cause ?? 'stopped with stepmr stop',
      });
      return { stopDate: new Date() };
    },
    listMapRuns: async (input) =>
      (answer('listMapRuns', input, jobIdOf(input.executionArn)) as { mapRuns: [] }) ?? { mapRuns: [] },
    describeMapRun: async (input) => answer('describeMapRun', input) ?? {},
    getExecutionHistory: async () => ({ events: [] }),
    pause: (ms, _executionArn, signal) => delay(ms, undefined, signal ? { signal } : {}),
  };
}
