import { sfnClient } from '../framework/runtime/aws/clients.js';
import { useS3 } from '../framework/runtime/aws/s3.js';
import { runSchedule, type ScheduledEvent } from '../framework/runtime/aws/scheduledRun.js';
import { loadConfig } from './deps.js';
import { scheduledEvent } from './events.js';
import { logger, taskHandler } from './middleware.js';

/** The stack this function belongs to, from its environment (set in serverless.yml). */
function stack() {
  const bucket = process.env.STEPMR_DATA_BUCKET;
  const stateMachineArn = process.env.STEPMR_STATE_MACHINE_ARN;
  if (!bucket || !stateMachineArn) {
    throw new Error('STEPMR_DATA_BUCKET and STEPMR_STATE_MACHINE_ARN must be set (serverless.yml sets them)');
  }
  return { bucket, stateMachineArn };
}

/**
 * The plan function, the driver of scheduled runs: an EventBridge schedule sends
 * `{ schedule, time }`; the function plans that schedule's job (lists its input in S3, writes
 * the plan under `work/`) and starts the state machine.
 */
export const handler = taskHandler('plan', scheduledEvent, async (event: ScheduledEvent) => {
  useS3();
  const started = await runSchedule(await loadConfig(), event, stack(), sfnClient());
  if (!started) {
    logger.info('duplicate schedule event: the run already exists', { schedule: event.schedule });
    return { started: false };
  }
  logger.info('scheduled run started', { ...started });
  return { started: true, ...started };
});
