import { parseBatchExecutionName } from '../../contract/batchNames.js';
import type { TriggerEventData } from '../../contract/events.js';
import type { StepmrConfig } from '../../deploy/config.js';
import { type DeployedStream, deployedStream } from '../../deploy/streams.js';
import { ForbiddenTaskInputError } from '../../tasks/errors.js';
import type { DeployedStack } from './findStack.js';

/** What a checked trigger event asks for: a look at the stream's next batch, or nothing. */
export type TriggerCheck =
  | { readonly act: true; readonly stream: DeployedStream; readonly why: string }
  | { readonly act: false; readonly stream: string; readonly why: string };

/** The stream a trigger event is about: the rule's, or the one in a batch execution's name. */
function streamOf(event: TriggerEventData, stack: DeployedStack): string {
  const inner = event.event;
  if (inner['detail-type'] !== 'Step Functions Execution Status Change') {
    if (!event.stream) {
      throw new ForbiddenTaskInputError(
        `a ${inner['detail-type']} event refused: it names no stream (the stream's rule sends { stream, event })`,
      );
    }
    return event.stream;
  }
  const { stateMachineArn, name } = inner.detail;
  if (stateMachineArn !== stack.stateMachineArn) {
    throw new ForbiddenTaskInputError(
      `an execution status change of ${stateMachineArn} refused: this stack's trigger follows only ${stack.stateMachineArn}`,
    );
  }
  const batch = parseBatchExecutionName(name);
  if (!batch) {
    throw new ForbiddenTaskInputError(
      `an execution status change of ${JSON.stringify(name)} refused: it is not a stream batch's execution (<stream>-b<N>)`,
    );
  }
  if (event.stream !== undefined && event.stream !== batch.stream) {
    throw new ForbiddenTaskInputError(
      `an execution status change of ${name} refused: it is stream ${batch.stream}'s, not ${event.stream}'s`,
    );
  }
  return batch.stream;
}

/**
 * Checks a trigger event against the stack, trusting nothing in it: the stream must be one of
 * `stepmr.config.ts`, an S3 event must come from the stack's own bucket, and an execution's
 * change must be of the stack's own state machine and named as a batch of that stream; what
 * fails is a `ForbiddenTaskInputError`. An object created outside the stream's source prefix,
 * or an execution that is still running, asks for nothing (`act: false`). The event only wakes
 * the stream: which objects a batch takes comes from the checkpoint and the listing.
 *
 * @example
 * ```ts
 * const check = checkTriggerEvent(config, event, stack);
 * if (check.act) await advanceStream(check.stream, deps);
 * ```
 */
export function checkTriggerEvent(
  config: StepmrConfig,
  event: TriggerEventData,
  stack: DeployedStack,
): TriggerCheck {
  const name = streamOf(event, stack);
  const stream = deployedStream(config, name);
  if (!stream) {
    throw new ForbiddenTaskInputError(
      `stream ${JSON.stringify(name)} refused: it is not in this deployment's stepmr.config.ts; register it under streams and deploy again`,
    );
  }
  const inner = event.event;
  switch (inner['detail-type']) {
    case 'Object Created': {
      const { bucket, object } = inner.detail;
      if (bucket.name !== stack.bucket) {
        throw new ForbiddenTaskInputError(
          `an Object Created event of bucket ${JSON.stringify(bucket.name)} refused: stream ${name} reads only s3://${stack.bucket}/${stream.prefix}`,
        );
      }
      if (!object.key.startsWith(stream.prefix) || object.key.split('/').includes('..')) {
        return { act: false, stream: name, why: `${object.key} is not under ${stream.prefix}` };
      }
      return { act: true, stream, why: `object created: ${object.key}` };
    }
    case 'Step Functions Execution Status Change':
      if (inner.detail.status === 'RUNNING' || inner.detail.status === 'PENDING_REDRIVE') {
        return { act: false, stream: name, why: `${inner.detail.name} is ${inner.detail.status}` };
      }
      return { act: true, stream, why: `${inner.detail.name} ended ${inner.detail.status}` };
    case 'Scheduled Event':
      return { act: true, stream, why: `schedule at ${inner.time}` };
    case 'Trigger Requested':
      return { act: true, stream, why: `requested at ${inner.time}` };
  }
}
