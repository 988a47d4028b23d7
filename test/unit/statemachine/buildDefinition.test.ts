import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../framework/engine/index.js';
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
  buildDefinition({ functions, ...o }) as { StartAt: string; States: States };

/** Every state reachable from StartAt through Next, Catch, Default and Choices. */
function reachable(states: States, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const s = states[name] ?? {};
    for (const next of [
      s.Next,
      s.Default,
      ...[...(s.Catch ?? []), ...(s.Choices ?? [])].map((c: { Next: string }) => c.Next),
    ])
      if (next) visit(next);
  };
  visit(start);
  return seen;
}

describe('buildDefinition', () => {
  it.each([{}, { maxConcurrency: 50, executionType: 'STANDARD' as const }])(
    'passes asl-validator (%j)',
    (o) => {
      const d = build(o);
      const result = aslValidator(d);
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
      // The embedded engine, which refuses what it does not run, runs it as it is.
      expect(() => validateDefinition(d)).not.toThrow();
    },
  );

  it('reads splits with a Distributed Map, batching small splits and writing results to S3', () => {
    const map = build().States.Map ?? {};
    expect(map.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(map.ItemReader.ReaderConfig.InputType).toBe('JSONL');
    expect(map.ItemBatcher.MaxItemsPerBatchPath).toBe('$.run.splitsPerTask');
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

  it('tolerates map failures only as the run says, and never reduce failures', () => {
    const d = build();
    expect(d.States.Map?.ToleratedFailurePercentagePath).toBe('$.run.toleratedFailurePercentage');
    expect(d.States.Map?.ToleratedFailureCountPath).toBe('$.run.toleratedFailureCount');
    expect(d.States.Reduce?.ToleratedFailurePercentage).toBeUndefined();
    expect(d.States.Reduce?.ToleratedFailurePercentagePath).toBeUndefined();
  });

  it('skips the shuffle and reduce stages for map-only jobs, and reaches every state', () => {
    const d = build();
    expect(d.States.Map?.Next).toBe('HasReduce');
    const choice = d.States.HasReduce ?? {};
    expect(choice.Choices).toEqual([{ Variable: '$.run.reduce', BooleanEquals: true, Next: 'Shuffle' }]);
    const mapOnly = d.States[choice.Default] ?? {};
    expect(mapOnly).toMatchObject({ Type: 'Pass', Result: null, ResultPath: '$.reduce', Next: 'Commit' });
    const states = reachable(d.States, d.StartAt);
    expect([...states].sort()).toEqual(Object.keys(d.States).sort());
  });
});
