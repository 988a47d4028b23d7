import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { buildDefinition, type DefinitionOptions } from '../../../framework/statemachine/buildDefinition.js';
import { LAMBDA_SERVICE_ERRORS } from '../../../framework/statemachine/retry.js';

const functions = {
  map: 'arn:aws:lambda:eu-west-1:123456789012:function:stepmr-prod-map',
  reduce: 'arn:aws:lambda:eu-west-1:123456789012:function:stepmr-prod-reduce',
  collect: 'arn:aws:lambda:eu-west-1:123456789012:function:stepmr-prod-collect',
};

// biome-ignore lint/suspicious/noExplicitAny: the test walks generated JSON
type States = Record<string, Record<string, any>>;
const build = (o: Partial<DefinitionOptions> = {}) =>
  buildDefinition({ name: 'wc', functions, hasReduce: true, ...o }) as { StartAt: string; States: States };

/** Every state reachable from StartAt through Next, Catch, Default and Choices. */
function reachable(states: States, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const s = states[name] ?? {};
    for (const next of [s.Next, s.Default, ...(s.Catch ?? []).map((c: { Next: string }) => c.Next)])
      if (next) visit(next);
  };
  visit(start);
  return seen;
}

describe('buildDefinition', () => {
  it.each([
    { hasReduce: true },
    { hasReduce: false },
    {
      hasReduce: true,
      toleratedFailurePercentage: 5,
      maxConcurrency: 50,
      splitsPerTask: 20,
      executionType: 'STANDARD' as const,
    },
  ])('passes asl-validator (%j)', (o) => {
    const d = build(o);
    const result = aslValidator(d);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('reads splits with a Distributed Map, batching small splits and writing results to S3', () => {
    const map = build({ splitsPerTask: 25 }).States.Map ?? {};
    expect(map.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(map.ItemReader.ReaderConfig.InputType).toBe('JSONL');
    expect(map.ItemBatcher.MaxItemsPerBatch).toBe(25);
    expect(map.ResultWriter.Resource).toBe('arn:aws:states:::s3:putObject');
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(task.Parameters.FunctionName).toBe(functions.map);
  });

  it('retries Lambda service errors with capped exponential backoff and full jitter on every task', () => {
    const d = build();
    const tasks = [
      d.States.Map?.ItemProcessor.States.MapTask,
      d.States.Reduce?.ItemProcessor.States.ReduceTask,
      d.States.Shuffle,
      d.States.Commit,
    ];
    for (const task of tasks) {
      const retry = task?.Retry[0];
      expect(retry.ErrorEquals).toEqual(expect.arrayContaining([...LAMBDA_SERVICE_ERRORS]));
      expect(retry.BackoffRate).toBeGreaterThan(1);
      expect(retry.JitterStrategy).toBe('FULL');
      expect(retry.MaxDelaySeconds).toBeGreaterThan(0);
    }
  });

  it('sends every failure of a stage to Abort, which ends in a Fail state', () => {
    const d = build();
    for (const name of ['Map', 'Shuffle', 'Reduce', 'Commit']) {
      expect(d.States[name]?.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'Abort' });
    }
    expect(d.States[d.States.Abort?.Next]?.Type).toBe('Fail');
  });

  it('tolerates map failures only as configured, and never reduce failures', () => {
    const d = build({ toleratedFailurePercentage: 10 });
    expect(d.States.Map?.ToleratedFailurePercentage).toBe(10);
    expect(d.States.Reduce?.ToleratedFailurePercentage).toBeUndefined();
    expect(build().States.Map?.ToleratedFailurePercentage).toBeUndefined();
  });

  it('leaves the shuffle and reduce stages out of map-only jobs', () => {
    const d = build({ hasReduce: false });
    expect(d.States.Map?.Next).toBe('Commit');
    const states = reachable(d.States, d.StartAt);
    expect(states.has('Reduce')).toBe(false);
    expect(states.has('Shuffle')).toBe(false);
    expect([...states].sort()).toEqual(Object.keys(d.States).sort());
  });
});
