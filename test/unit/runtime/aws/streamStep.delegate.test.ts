import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobPlanSchema, parsePersisted } from '../../../../framework/contract/persisted.js';
import { defineStream, http, jsonLines } from '../../../../framework/index.js';
import { sfnOrchestrator } from '../../../../framework/runtime/aws/sfnOrchestrator.js';
import { streamStep } from '../../../../framework/runtime/aws/streamStep.js';
import { FileStore } from '../../../../framework/store/FileStore.js';
import { registerStoreOpener } from '../../../../framework/store/uri.js';
import { type Api, machineArn, startApi } from '../../engine/http/support.js';

/**
 * A delegating stream's batch on the deployed stack: its first run is `<stream>-b<N>`, a re-run
 * after a failed one `<stream>-b<N>-r<k>`, and every run's plan names the calls' idempotency
 * keys after the batch, so a service sees the first run's keys again. The plans are the real
 * ones the trigger writes, started on a real Step Functions API whose batches fail at once.
 */

const scoring = defineStream({
  name: 'scoring',
  source: { prefix: 'in/applicants/' },
  input: jsonLines<{ id: number }>(),
  delegate: (a) => http('https://api.example.com/score').post(a),
});
const FAILS = { StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'Batch.Failed', Cause: 'test' } } };

let dir: string;
let api: Api;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepmr-stream-step-'));
  api = await startApi({}, { machines: { batch: FAILS } });
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a delegating stream batch run again', () => {
  it('keeps the idempotency keys of its first run', async () => {
    const bucket = new FileStore(join(dir, 'bucket'));
    // Planning looks at the output location in the stack's bucket.
    registerStoreOpener('s3', (parsed) => {
      if (parsed.scheme !== 's3' || parsed.bucket !== 'stack-data')
        throw new Error(`no store for ${JSON.stringify(parsed)}`);
      return { store: bucket, key: parsed.key };
    });
    await bucket.put('in/applicants/a.jsonl', '{"id":1}\n');
    const orchestrator = sfnOrchestrator(api.sfn);
    const stateMachineArn = machineArn('batch');
    const step = () =>
      streamStep(
        {
          config: { jobs: {}, streams: { scoring } },
          stream: {
            name: 'scoring',
            prefix: 'in/applicants/',
            rate: 'rate(1 minute)',
            checkpoint: 'streams/scoring/',
            output: 'out/streams/scoring/',
          },
          stack: { bucket: 'stack-data' },
          manual: false,
        },
        {
          store: (prefix) => new FileStore(join(dir, 'bucket', prefix)),
          backend: {
            orchestrator,
            stateMachineArn,
            work: { store: bucket, bucket: 'stack-data', prefix: 'work/' },
          },
        },
      );
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const outcome = await step();
      expect(outcome.outcome).toBe('started');
      if (outcome.outcome !== 'started') return;
      runs.push(outcome.execution);
      // Wait for the run to fail, so the next step starts a re-run.
      for (let t = 0; t < 100; t++) {
        const { status } = await orchestrator.describeExecution({ executionArn: outcome.executionArn });
        if (status !== 'RUNNING') break;
        await new Promise((done) => setTimeout(done, 20));
      }
    }
    expect(runs).toEqual(['scoring-b0', 'scoring-b0-r1']);
    for (const jobId of runs) {
      const plan = parsePersisted(
        jobPlanSchema,
        JSON.parse((await bucket.get(`work/${jobId}/job.json`)).toString()),
      );
      expect(plan.ok && plan.value.jobId).toBe(jobId);
      expect(plan.ok && plan.value.delegate?.keysOf).toBe('scoring-b0');
    }
  });
});
