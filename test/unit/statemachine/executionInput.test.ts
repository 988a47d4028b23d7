import { describe, expect, it } from 'vitest';
import type { Tolerance } from '../../../framework/job/options.js';
import { buildDefinition } from '../../../framework/statemachine/buildDefinition.js';
import { executionInput, type JobExecutionInput } from '../../../framework/statemachine/executionInput.js';

const ref = { jobId: 'wordcount-20261201T030000', bucket: 'data', prefix: 'work/wordcount-20261201T030000/' };
const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:stepmr-test-${fn}`;
// biome-ignore lint/suspicious/noExplicitAny: the test reads generated ASL
type J = any;
const definition: J = buildDefinition({
  functions: { map: arn('map'), reduce: arn('reduce'), collect: arn('collect') },
});
const mapState = definition.States.Map;

/** A `$.a.b` reference path read from the execution input, as Step Functions reads it. */
const read = (path: string, input: JobExecutionInput): unknown =>
  path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], input);

/**
 * Whether a Map Run fails with `failed` of `total` items failed, as AWS documents it: once the
 * failures pass either the tolerated count or the tolerated percentage.
 */
function mapRunFails(input: JobExecutionInput, failed: number, total: number): boolean {
  const count = read(mapState.ToleratedFailureCountPath, input) as number;
  const percentage = read(mapState.ToleratedFailurePercentagePath, input) as number;
  return failed > count || failed * 100 > percentage * total;
}

const SPLITS = [1, 3, 7, 40, 200];

describe('executionInput', () => {
  it.each([0, 2.5, 5, 33, 50, 99.5, 100])(
    'tolerates %s%% of the splits failing: the Map Run fails past floor(percent × splits / 100)',
    (percent) => {
      for (const splits of SPLITS) {
        const input = executionInput(ref, { reduce: true, splits, splitsPerTask: 1, tolerate: { percent } });
        const tolerated = Math.floor((percent * splits) / 100);
        for (let failed = 0; failed <= splits; failed++) {
          expect(mapRunFails(input, failed, splits), `${failed}/${splits} failed`).toBe(failed > tolerated);
        }
      }
    },
  );

  it.each([0, 1, 3, 7, 500])('tolerates %s failed splits: the Map Run fails past that count', (count) => {
    for (const splits of SPLITS) {
      const input = executionInput(ref, { reduce: false, splits, splitsPerTask: 4, tolerate: { count } });
      for (let failed = 0; failed <= splits; failed++) {
        expect(mapRunFails(input, failed, splits), `${failed}/${splits} failed`).toBe(failed > count);
      }
    }
  });

  it('tolerates no failed split without a tolerance', () => {
    for (const splits of SPLITS) {
      const input = executionInput(ref, { reduce: true, splits, splitsPerTask: 2 });
      for (let failed = 0; failed <= splits; failed++) {
        expect(mapRunFails(input, failed, splits), `${failed}/${splits} failed`).toBe(failed > 0);
      }
    }
  });

  it.each<[Tolerance | undefined, number, number]>([
    [{ percent: 5 }, 5, 40],
    [{ count: 3 }, 100, 3],
    [undefined, 0, 0],
  ])(
    'turns tolerance %j into the percentage and count Step Functions checks',
    (tolerate, percentage, count) => {
      const run = executionInput(ref, { reduce: true, splits: 40, splitsPerTask: 1, tolerate }).run;
      expect([run.toleratedFailurePercentage, run.toleratedFailureCount]).toEqual([percentage, count]);
      // Step Functions refuses a percentage outside 0–100 or a negative count.
      expect(run.toleratedFailurePercentage).toBeGreaterThanOrEqual(0);
      expect(run.toleratedFailurePercentage).toBeLessThanOrEqual(100);
      expect(Number.isInteger(run.toleratedFailureCount) && run.toleratedFailureCount >= 0).toBe(true);
    },
  );

  it('carries the job reference and the batch sizes to the paths the definition reads', () => {
    const input = executionInput(ref, { reduce: true, splits: 9, splitsPerTask: 4, partitionsPerTask: 3 });
    expect(Object.keys(input).sort()).toEqual(['bucket', 'jobId', 'prefix', 'run']);
    expect({ jobId: input.jobId, bucket: input.bucket, prefix: input.prefix }).toEqual(ref);
    expect(read(mapState.ItemBatcher.MaxItemsPerBatchPath, input)).toBe(4);
    expect(read(definition.States.Reduce.ItemBatcher.MaxItemsPerBatchPath, input)).toBe(3);
    expect(read(definition.States.HasReduce.Choices[0].Variable, input)).toBe(true);
    // Map-only jobs take the MapOnly branch; one partition per reduce task unless told.
    const mapOnly = executionInput(ref, { reduce: false, splits: 9, splitsPerTask: 1 });
    expect(read(definition.States.HasReduce.Choices[0].Variable, mapOnly)).toBe(false);
    expect(read(definition.States.Reduce.ItemBatcher.MaxItemsPerBatchPath, mapOnly)).toBe(1);
  });
});
