import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { collectEvent, mapEvent, reduceEvent, scheduledEvent } from '../../../framework/contract/events.js';
import { parseEvent } from '../../../framework/handlers/parseEvent.js';
import { makeSplits } from '../../../framework/plan/makeSplits.js';
import { buildDefinition } from '../../../framework/statemachine/buildDefinition.js';
import { executionInput } from '../../../framework/statemachine/executionInput.js';
import { TaskInputError } from '../../../framework/tasks/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: the test reads generated ASL and builds payloads
type J = any;

const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:stepmr-test-${fn}`;
const definition: J = buildDefinition({
  functions: { map: arn('map'), reduce: arn('reduce'), collect: arn('collect') },
});
const states = definition.States;

const ref = { jobId: 'wordcount-20261201T030000', bucket: 'data', prefix: 'work/wordcount-20261201T030000/' };
const input = executionInput(ref, { reduce: true, splits: 4, splitsPerTask: 2 });
const details = (stage: string) => ({ Bucket: 'data', Key: `${ref.prefix}results/${stage}/manifest.json` });

/** The context object of a retried task (`$$.State.RetryCount`). */
const context = { State: { Name: 'MapTask', RetryCount: 1 } };

/** A reference path (`$.a.b`) read from `data`, or (`$$.a.b`) from the context object. */
const read = (path: string, data: J): J =>
  path
    .replace(/^\$\$\./, () => {
      data = context;
      return '';
    })
    .replace(/^\$\./, '')
    .split('.')
    .reduce((at: J, key) => at?.[key], data);

/** A `Parameters` template applied to the state's input, as Step Functions does for `key.$: $.path`. */
function apply(template: J, data: J): J {
  if (typeof template !== 'object' || template === null) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), read(value as string, data)] : [key, apply(value, data)],
    ),
  );
}

/** The payload a Lambda task state of the definition sends for the given state input. */
const payloadOf = (state: J, data: J) => apply(state.Parameters.Payload, data);

/** What a Distributed Map child gets: ItemBatcher's BatchInput and a batch of items. */
const batch = (map: J, items: J[]) => {
  const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
  return payloadOf(task, { BatchInput: apply(map.ItemBatcher.BatchInput, input), Items: items });
};

const splits = makeSplits(
  [
    { uri: 's3://data/in/corpus/a.txt', size: 250 },
    { uri: 's3://data/in/corpus/b.txt.gz', size: 90 },
  ],
  100,
);

/** The events the state machine sends each function, made from the definition itself. */
const sent = {
  map: batch(states.Map, splits),
  reduce: batch(states.Reduce, [{ partition: 0 }, { partition: 7 }]),
  prepareReduce: payloadOf(states.Shuffle, { ...input, map: details('map') }),
  commit: payloadOf(states.Commit, { ...input, map: details('map'), reduce: details('reduce') }),
  commitMapOnly: payloadOf(states.Commit, { ...input, map: details('map'), reduce: null }),
  abort: payloadOf(states.Abort, { ...input, error: { Error: 'UserCodeError', Cause: 'bad record' } }),
};

/** The error parseEvent throws for `event`, which the test expects it to refuse. */
function refusal(task: string, schema: Parameters<typeof parseEvent>[1], event: unknown): Error {
  try {
    parseEvent(task, schema, event);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`parseEvent accepted ${JSON.stringify(event)}`);
}

/** Whether an `ErrorEquals` list matches an error name, by the ASL rules. */
const matches = (errorEquals: string[], name: string) =>
  errorEquals.includes(name) ||
  errorEquals.includes('States.ALL') ||
  (errorEquals.includes('States.TaskFailed') && name !== 'States.Timeout');

/** Every state of the definition, the Distributed Maps' children included. */
function allStates(states: Record<string, J>): [string, J][] {
  return Object.entries(states).flatMap(([name, state]): [string, J][] => [
    [name, state],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('parseEvent', () => {
  it('accepts every event the state machine sends, unchanged', () => {
    expect(sent.map.Items.length).toBe(4);
    expect(parseEvent('map', mapEvent, sent.map)).toEqual(sent.map);
    expect(parseEvent('reduce', reduceEvent, sent.reduce)).toEqual(sent.reduce);
    for (const event of [sent.prepareReduce, sent.commit, sent.commitMapOnly, sent.abort]) {
      expect(parseEvent('collect', collectEvent, event)).toEqual(event);
    }
    const scheduled = { schedule: 'wordcount-nightly', time: '2026-12-01T03:00:00Z' };
    expect(parseEvent('scheduler', scheduledEvent, scheduled)).toEqual(scheduled);
    expect(parseEvent('scheduler', scheduledEvent, { schedule: 'wordcount-nightly' })).toEqual({
      schedule: 'wordcount-nightly',
    });
  });

  const withItem = (item: J) => ({
    ...sent.map,
    Items: [sent.map.Items[0], { ...sent.map.Items[1], ...item }],
  });
  const withBatch = (batchInput: J) => ({
    ...sent.map,
    BatchInput: { ...sent.map.BatchInput, ...batchInput },
  });
  it.each<[string, string, J, unknown, string]>([
    ['map', 'a null event', mapEvent, null, 'the event'],
    ['map', 'no BatchInput', mapEvent, { Items: sent.map.Items }, 'BatchInput'],
    ['map', 'a job id with a slash', mapEvent, withBatch({ jobId: 'a/b' }), 'BatchInput.jobId'],
    ['map', 'an absolute prefix', mapEvent, withBatch({ prefix: '/work/x/' }), 'BatchInput.prefix'],
    ['map', 'a prefix climbing out', mapEvent, withBatch({ prefix: 'work/../out/' }), 'BatchInput.prefix'],
    ['map', 'a prefix without a slash', mapEvent, withBatch({ prefix: 'work' }), 'BatchInput.prefix'],
    ['map', 'no items', mapEvent, { ...sent.map, Items: [] }, 'Items'],
    ['map', 'an http URI', mapEvent, withItem({ uri: 'http://x/a.txt' }), 'Items.1.uri'],
    ['map', 'a negative start', mapEvent, withItem({ start: -1 }), 'Items.1.start'],
    ['map', 'a fractional end', mapEvent, withItem({ end: 1.5 }), 'Items.1.end'],
    ['map', 'an unknown compression', mapEvent, withItem({ compression: 'zip' }), 'Items.1.compression'],
    [
      'reduce',
      'a fractional partition',
      reduceEvent,
      { ...sent.reduce, Items: [{ partition: 0.5 }] },
      'Items.0.partition',
    ],
    ['reduce', 'no items', reduceEvent, { ...sent.reduce, Items: [] }, 'Items'],
    ['collect', 'an unknown action', collectEvent, { ...sent.commit, action: 'publish' }, 'action'],
    ['collect', 'a commit without map results', collectEvent, { ...sent.commit, map: undefined }, 'map'],
    [
      'collect',
      'an empty results key',
      collectEvent,
      { ...sent.commit, map: { Bucket: 'data', Key: '' } },
      'map.Key',
    ],
    ['collect', 'no bucket', collectEvent, { ...sent.abort, bucket: '' }, 'bucket'],
    ['scheduler', 'an empty schedule name', scheduledEvent, { schedule: '' }, 'schedule'],
  ])('refuses a %s event with %s, naming %s… as TaskInputError', (task, _what, schema, event, field) => {
    const error = refusal(task, schema, event);
    expect(error).toBeInstanceOf(TaskInputError);
    expect(error.name).toBe('TaskInputError');
    expect((error as TaskInputError).retryable).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`^the ${task} function got a malformed event: ${field.replaceAll('.', '\\.')}: \\S`),
    );
  });

  it("is caught by the state machine's Catch and never retried", () => {
    const name = refusal('map', mapEvent, null).name;
    const all = allStates(states);
    const retries = all.flatMap(([, s]) => (s.Retry ?? []) as { ErrorEquals: string[] }[]);
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries)
      expect(matches(retry.ErrorEquals, name), retry.ErrorEquals.join()).toBe(false);
    // The same rules do retry what the handlers report for a retryable error.
    expect(retries.some((r) => matches(r.ErrorEquals, 'Stepmr.TransientError'))).toBe(true);
    // Every step that calls a function, or runs a Distributed Map of them, goes to Abort on it.
    const guarded = all.filter(
      ([stateName, s]) => s.Catch && stateName !== 'Abort' && (s.Type === 'Map' || s.Type === 'Task'),
    );
    expect(guarded.map(([n]) => n).sort()).toEqual(['Commit', 'Map', 'Reduce', 'Shuffle']);
    for (const [stateName, s] of guarded) {
      const catcher = (s.Catch as { ErrorEquals: string[]; Next: string }[]).find((c) =>
        matches(c.ErrorEquals, name),
      );
      expect(catcher?.Next, stateName).toBe('Abort');
    }
  });

  it('reaches Lambda with its name as the errorType, not renamed to a retryable one', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const { taskHandler } = await import('../../../framework/handlers/middleware.js');
    let ran = false;
    const handler = taskHandler('map', mapEvent, async () => {
      ran = true;
    });
    const context = { functionName: 'stepmr-test-map', awsRequestId: 'req-1' } as Context;
    await expect(handler({ ...sent.map, Items: [] }, context)).rejects.toMatchObject({
      name: 'TaskInputError',
      message: expect.stringContaining('Items'),
    });
    expect(ran).toBe(false);
  });
});
