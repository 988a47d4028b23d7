import { describe, expect, it } from 'vitest';
import type { StepmrConfig } from '../../../../framework/deploy/config.js';
import { stackResources } from '../../../../framework/deploy/stack.js';
import { defineStream, jsonLines } from '../../../../framework/index.js';
import { matchesPattern, resolveRefs } from '../../../../framework/runtime/offline/eventBus.js';

/**
 * The offline event bus matches events against the rules the stack deploys, as EventBridge
 * does: each case names which rules an event must wake, decided here by reading the event.
 */

const BUCKET = 'stepmr-dev-data';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:stepmr-dev-jobs';
const stream = (name: string, prefix: string) =>
  defineStream({
    name,
    source: { prefix },
    input: jsonLines<{ p: string }>(),
    map: (r, emit) => emit(r.p, 1),
  });
const config = {
  jobs: {},
  streams: { clicks: stream('clicks', 'in/clicks/'), 'clicks-big': stream('clicks-big', 'in/big/') },
} as StepmrConfig;
const resources = stackResources({ service: 'stepmr', stage: 'dev' }, config).Resources as Record<
  string,
  { Type: string; Properties: { EventPattern?: Record<string, unknown> } }
>;
const patterns = Object.entries(resources)
  .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern)
  .map(([id, r]) => [
    id,
    resolveRefs(r.Properties.EventPattern, { DataBucket: BUCKET, JobsStateMachine: MACHINE }),
  ]);

const woken = (event: unknown) =>
  patterns
    .filter(([, pattern]) => matchesPattern(event, pattern as Record<string, unknown>))
    .map(([id]) => id);

const created = (bucket: string, key: string) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: bucket }, object: { key } },
});
const ended = (stateMachineArn: string, name: string, status: string) => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { stateMachineArn, name, status },
});

describe('the offline event bus with the stack’s rules', () => {
  it('wakes a stream for objects under its prefix in the stack’s bucket, and nothing else', () => {
    expect(woken(created(BUCKET, 'in/clicks/a.jsonl'))).toEqual(['StreamClicksArrivalRule']);
    expect(woken(created(BUCKET, 'in/big/2026/a.jsonl'))).toEqual(['StreamClicksBigArrivalRule']);
    expect(woken(created(BUCKET, 'in/other/a.jsonl'))).toEqual([]);
    expect(woken(created(BUCKET, 'out/clicks/snapshot=0000000001/part-00000.jsonl'))).toEqual([]);
    expect(woken(created('another-bucket', 'in/clicks/a.jsonl'))).toEqual([]);
    expect(woken({ ...created(BUCKET, 'in/clicks/a.jsonl'), 'detail-type': 'Object Deleted' })).toEqual([]);
  });

  it('wakes the streams when a batch execution of the stack’s machine ends, not while it runs', () => {
    for (const status of ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']) {
      expect(woken(ended(MACHINE, 'clicks-b3', status)), status).toEqual(['StreamBatchEndRule']);
    }
    expect(woken(ended(MACHINE, 'clicks-b3', 'RUNNING'))).toEqual([]);
    expect(woken(ended(MACHINE, 'wordcount-20261201T030000', 'SUCCEEDED'))).toEqual([]);
    expect(woken(ended(`${MACHINE}-other`, 'clicks-b3', 'SUCCEEDED'))).toEqual([]);
  });
});
