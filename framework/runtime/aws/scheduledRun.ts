import type { SFNClient } from '@aws-sdk/client-sfn';
import { REGISTRY_REF } from '../../contract/names.js';
import { ConfigError, type StepmrConfig } from '../../deploy/config.js';
import { Driver, type StartedJob } from '../Driver.js';
import { isApiError } from '../orchestrator.js';
import { cloudBackend } from './cloudBackend.js';
import type { DeployedStack } from './findStack.js';

/** The scheduler function's event: which schedule fired, and when (EventBridge's `time`). */
export interface ScheduledEvent {
  readonly schedule: string;
  /** ISO time of the scheduled run. @default now */
  readonly time?: string;
}

/** `2026-12-01T03:00:00Z` → `{date}` 2026-12-01, `{time}` 030000. */
function expand(template: string, at: Date): string {
  const iso = at.toISOString();
  return template
    .replaceAll('{date}', iso.slice(0, 10))
    .replaceAll('{time}', iso.slice(11, 19).replaceAll(':', ''));
}

/** A key in the data bucket, or an `s3://` URI, as a URI. */
function inBucket(location: string, bucket: string): string {
  return location.startsWith('s3://') ? location : `s3://${bucket}/${location.replace(/^\/+/, '')}`;
}

/**
 * Runs a schedule of `stepmr.config.ts`: plans its job and starts an execution named after the
 * schedule and the scheduled time. EventBridge may deliver an event more than once: a second
 * delivery finds the execution of that name and starts nothing. Returns the started job, or
 * undefined for such a duplicate.
 *
 * @example
 * ```ts
 * await runSchedule(config, { schedule: 'wordcount-nightly', time: '2026-12-01T03:00:00Z' }, stack, sfn);
 * ```
 */
export async function runSchedule(
  config: StepmrConfig,
  event: ScheduledEvent,
  stack: DeployedStack,
  sfn: SFNClient,
): Promise<StartedJob | undefined> {
  const schedule = config.schedules?.[event.schedule];
  if (!schedule || !Object.hasOwn(config.schedules ?? {}, event.schedule)) {
    throw new ConfigError(
      `schedule ${JSON.stringify(event.schedule)} is not in this deployment's stepmr.config.ts; deploy again after changing schedules`,
    );
  }
  const job = config.jobs[schedule.job];
  if (!job)
    throw new ConfigError(`schedule ${event.schedule} runs job ${schedule.job}, which is not registered`);
  const at = event.time ? new Date(event.time) : new Date();
  if (Number.isNaN(at.getTime())) throw new ConfigError(`the scheduled time ${event.time} is not a date`);
  const jobId = `${event.schedule}-${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
  const driver = new Driver(cloudBackend(stack, sfn));
  try {
    await driver.backend.orchestrator.describeExecution({ executionArn: driver.executionArn(jobId) });
    return undefined;
  } catch (error) {
    if (!isApiError(error, 'ExecutionDoesNotExist')) throw error;
  }
  return driver.start({
    ...(schedule.options ?? {}),
    job,
    name: schedule.job,
    module: `${REGISTRY_REF}${schedule.job}`,
    inputs: schedule.input.map((input) => inBucket(expand(input, at), stack.bucket)),
    output: inBucket(expand(schedule.output, at), stack.bucket),
    overwrite: schedule.overwrite ?? false,
    jobId,
    now: () => at.getTime(),
  });
}
