import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Engine } from '../../engine/Engine.js';
import { type EventBus, type EventFaults, startEventBus } from './eventBus.js';
import type { S3rverProcess } from './s3rverProcess.js';

const ENDED: Record<string, string> = {
  ExecutionStarted: 'RUNNING',
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** What {@link startOfflineEvents} connects. */
export interface OfflineEventsOptions {
  readonly template: Record<string, unknown>;
  readonly machine: { readonly name: string; readonly arn: string };
  readonly bucket: string;
  readonly lambda: LambdaClient;
  readonly s3: Pick<S3rverProcess, 'onEvent'>;
  readonly engine: Pick<Engine, 'on'>;
  readonly faults?: { readonly duplicateEventEvery?: number; readonly delayEventEvery?: number } | undefined;
  readonly log: (text: string) => void;
}

/**
 * The offline cloud's EventBridge (see `startEventBus`) fed as AWS feeds it: each object
 * created in the data bucket is an S3 "Object Created" event (the bucket sends its events to
 * EventBridge), and each start and end of an execution of the state machine (not of a
 * Distributed Map's children) a "Step Functions Execution Status Change".
 *
 * @example
 * ```ts
 * const bus = startOfflineEvents({ template, machine, bucket, lambda, s3, engine, log });
 * ```
 */
export function startOfflineEvents(options: OfflineEventsOptions): EventBus {
  const { machine, bucket } = options;
  const faults: EventFaults = {
    ...(options.faults?.duplicateEventEvery ? { duplicateEvery: options.faults.duplicateEventEvery } : {}),
    ...(options.faults?.delayEventEvery ? { delayEvery: options.faults.delayEventEvery } : {}),
  };
  if (faults.duplicateEvery)
    options.log(`injecting faults: every ${faults.duplicateEvery}th event delivered twice\n`);
  if (faults.delayEvery) options.log(`injecting faults: every ${faults.delayEvery}th event delivered late\n`);
  const bus = startEventBus({
    template: options.template,
    refs: { DataBucket: bucket, JobsStateMachine: machine.arn },
    lambda: options.lambda,
    faults,
    region: machine.arn.split(':')[3] ?? 'us-east-1',
    accountId: machine.arn.split(':')[4] ?? '123456789012',
    deadLetter: (rule, event, error) =>
      options.log(
        `event of ${event.source} (${event['detail-type']}) not delivered by rule ${rule}: ${error}\n`,
      ),
  });
  options.s3.onEvent((record) => {
    if (!record.eventName.startsWith('ObjectCreated:') || record.s3.bucket.name !== bucket) return;
    const { key, size, eTag } = record.s3.object;
    bus.put({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: '0',
        bucket: { name: bucket },
        object: { key, ...(size !== undefined ? { size } : {}), ...(eTag ? { etag: eTag } : {}) },
        reason: record.eventName.slice('ObjectCreated:'.length) === 'Put' ? 'PutObject' : record.eventName,
      },
    });
  });
  const executions = `${machine.arn.replace(':stateMachine:', ':execution:')}:`;
  options.engine.on((event) => {
    const status = ENDED[event.type];
    const arn = event.executionArn;
    // Only the state machine's own executions: a Distributed Map's children are `<name>/<label>:…`.
    if (!status || !arn.startsWith(executions) || arn.slice(executions.length).includes(':')) return;
    const name = arn.slice(executions.length);
    bus.put({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      resources: [arn],
      detail: { executionArn: arn, stateMachineArn: machine.arn, name, status },
    });
  });
  return bus;
}
