import { scheduledEvent, triggerEvent } from '../contract/events.js';
import type { TaskDeps } from '../tasks/deps.js';
import {
  type ConfigSource,
  configOf,
  type DeployedOptions,
  deployedDeps,
  type StreamStepRequest,
  stackBucket,
} from './deployedDeps.js';
import { taskHandlers, type WrapTask } from './taskHandlers.js';

/**
 * `taskHandler`, with middy and Powertools imported when the handlers are made (a Lambda's init)
 * rather than when stepmr is: a job module imports stepmr too, and loads no Lambda middleware.
 */
function lazyMiddleware() {
  const middleware = import('./middleware.js');
  // A failure to load is reported by each invocation instead.
  middleware.catch(() => undefined);
  const wrap: WrapTask = (task, schema, run) => {
    const handler = middleware.then((m) => m.taskHandler(task, schema, run));
    handler.catch(() => undefined);
    return async (event, context) => (await handler)(event, context);
  };
  return { wrap, logger: async () => (await middleware).logger };
}

/** The stack's state machine, from the scheduler function's environment. */
function stateMachineArn(): string {
  const arn = process.env.STEPMR_STATE_MACHINE_ARN;
  if (!arn) throw new Error('STEPMR_STATE_MACHINE_ARN is not set: serverless.yml sets it');
  return arn;
}

/** A stream's step on the stack: its bucket in S3, its state machine in Step Functions. */
async function deployedStreamStep(request: StreamStepRequest) {
  const [{ sfnClient }, { s3Client, useS3 }, { cloudBackend }, { streamStep }, { S3Store }] =
    await Promise.all([
      import('../runtime/aws/clients.js'),
      import('../runtime/aws/s3.js'),
      import('../runtime/aws/cloudBackend.js'),
      import('../runtime/aws/streamStep.js'),
      import('../store/S3Store.js'),
    ]);
  useS3();
  const { bucket } = request.stack;
  return streamStep(request, {
    store: (prefix) => new S3Store({ client: s3Client(), bucket, prefix }),
    backend: cloudBackend(request.stack, sfnClient()),
  });
}

/**
 * The Lambda handlers of a stepmr stack, for a project's `functions/`: `map`, `reduce`,
 * `delegate` and `collect` (the state machine's tasks), `scheduler` (the driver of scheduled
 * runs) and `trigger` (the driver of streams' micro-batches, woken by their EventBridge rules). They run only
 * the jobs registered in `config`, in the stack's data bucket (`STEPMR_DATA_BUCKET`), and
 * check every event, plan and object they read back against it.
 *
 * @example
 * ```ts
 * // functions/handlers.ts
 * import { createHandlers } from 'stepmr';
 * import config from '../stepmr.config.js';
 *
 * export const { map, reduce, delegate, collect, scheduler, trigger } = createHandlers(config);
 * ```
 */
export function createHandlers(config: ConfigSource, options: DeployedOptions = {}) {
  const load = configOf(config);
  const { wrap, logger } = lazyMiddleware();
  let deps: Promise<TaskDeps> | undefined;
  const tasks = taskHandlers(() => {
    deps ??= deployedDeps(load, options);
    // A failed build (a missing variable) is not kept: the next invocation tries again.
    deps.catch(() => {
      deps = undefined;
    });
    return deps;
  }, wrap);
  const scheduler = wrap('scheduler', scheduledEvent, async (event) => {
    const [{ sfnClient }, { useS3 }, { runSchedule }] = await Promise.all([
      import('../runtime/aws/clients.js'),
      import('../runtime/aws/s3.js'),
      import('../runtime/aws/scheduledRun.js'),
    ]);
    useS3();
    const stack = { bucket: stackBucket(options), stateMachineArn: stateMachineArn() };
    const started = await runSchedule(await load(), event, stack, sfnClient());
    if (!started) {
      (await logger()).info('duplicate schedule event: the run already exists', { schedule: event.schedule });
      return { started: false };
    }
    (await logger()).info('scheduled run started', { ...started });
    return { started: true, ...started };
  });
  const trigger = wrap('trigger', triggerEvent, async (event) => {
    const { checkTriggerEvent } = await import('../runtime/aws/triggerEvent.js');
    const stack = { bucket: stackBucket(options), stateMachineArn: stateMachineArn() };
    const config = await load();
    const check = checkTriggerEvent(config, event, stack);
    if (!check.act) {
      (await logger()).info('trigger event ignored', { stream: check.stream, why: check.why });
      return { outcome: 'ignored' as const, why: check.why };
    }
    const manual = event.event['detail-type'] === 'Trigger Requested';
    const advance = options.advanceStream ?? deployedStreamStep;
    const outcome = await advance({ config, stream: check.stream, stack, manual });
    (await logger()).info('stream triggered', { stream: check.stream.name, why: check.why, ...outcome });
    return outcome;
  });
  return { ...tasks, scheduler, trigger };
}
