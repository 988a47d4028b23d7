import { setTimeout as delay } from 'node:timers/promises';
import type { Backend } from '../Driver.js';
import { JobRegistry } from './jobRegistry.js';
import { registryOrchestrator } from './registryOrchestrator.js';
import { LOCAL_STATE_MACHINE_ARN } from './runEmbedded.js';

/** How long `stepmr stop` waits for the process running a job here to cancel it. */
const STOP_WAIT_MS = 60_000;

/**
 * Whether an execution ARN or a job id names a job run on this machine: an ARN of the embedded
 * runtime's state machine, or a job id with a record in the registry.
 *
 * @example
 * ```ts
 * if (await isLocalJob(ref, JobRegistry.ofHome())) … // stepmr status then reads the registry
 * ```
 */
export async function isLocalJob(ref: string, registry: JobRegistry): Promise<boolean> {
  if (ref.startsWith('arn:')) return ref.startsWith(localExecutionPrefix());
  return (await registry.read(ref)) !== undefined;
}

const localExecutionPrefix = () => `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:`;

/**
 * The jobs run on this machine as a driver's backend, for `stepmr status`, `list` and `stop`
 * from any process: their records in `registry` (see `registryOrchestrator`). It plans and
 * starts nothing (`stepmr run` runs jobs here). A stop asks the process running the job to
 * cancel it, as Ctrl-C does there, and waits until it has.
 *
 * @example
 * ```ts
 * const driver = new Driver(localBackend(JobRegistry.ofHome()));
 * const report = await driver.status(driver.executionArn('wordcount-20261201T030000-3fa9c1'));
 * ```
 */
export function localBackend(
  registry: JobRegistry = JobRegistry.ofHome(),
  deps: { readonly sleep?: (ms: number) => Promise<void> } = {},
): Backend {
  const orchestrator = registryOrchestrator(registry);
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  return {
    orchestrator,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    afterStop: async ({ stopped }, executionArn) => {
      const jobId = executionArn.slice(executionArn.lastIndexOf(':') + 1);
      const pid = (await registry.read(jobId))?.pid;
      if (!stopped) return undefined;
      for (let waited = 0; waited < STOP_WAIT_MS; waited += 250) {
        const { status } = await orchestrator.describeExecution({ executionArn });
        if (status === 'ABORTED') {
          return `process ${pid} cancelled the job (ABORTED) as Ctrl-C does: its workers stopped, nothing was published, and it removes the job's working files`;
        }
        // The job ended on its own before its process saw the stop request.
        if (status !== 'RUNNING') return `the job ended ${status} before process ${pid} saw the stop request`;
        await sleep(250);
      }
      return `process ${pid} has not cancelled the job yet; stepmr status ${jobId} --watch shows when it has`;
    },
  };
}
