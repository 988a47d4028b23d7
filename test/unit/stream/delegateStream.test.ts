import { describe, expect, it } from 'vitest';
import { http } from '../../../framework/delegate/builders.js';
import { jsonLines } from '../../../framework/io/index.js';
import { resolveDelegate } from '../../../framework/job/options.js';
import { defineStream } from '../../../framework/stream/defineStream.js';
import { StreamDefinitionError } from '../../../framework/stream/errors.js';

const base = {
  name: 'scoring',
  source: { prefix: 'in/applicants/' },
  input: jsonLines<{ id: number }>(),
  delegate: (a: { id: number }) => http('https://api.example.com/score').post(a),
};

describe('defineStream with delegate', () => {
  it('is a delegate job whose call options are the stream’s, under a run’s', () => {
    const stream = defineStream({
      ...base,
      calls: { concurrency: 96, ratePerSecond: 40, maxFailed: { count: 2 } },
    });
    expect(stream.delegate?.output).toBe('results');
    expect(stream.delegate?.task({ id: 7 })).toEqual(http('https://api.example.com/score').post({ id: 7 }));
    expect(resolveDelegate(stream, {})).toMatchObject({
      concurrency: 96,
      ratePerSecond: 40,
      tasks: 3,
      maxFailed: { count: 2 },
    });
    expect(resolveDelegate(stream, { concurrency: 8 })).toMatchObject({ concurrency: 8, tasks: 1 });
  });

  it('feeds the results to map and reduce when it has them', () => {
    const stream = defineStream({
      ...base,
      map: (result, emit: (k: string, v: number) => void) => emit(result.ok ? 'ok' : 'failed', 1),
      reduce: (_k: string, n: number[]) => n.length,
    });
    expect(stream.delegate?.output).toBe('map');
  });

  it('refuses update mode, reduce without map, a delegate that is not a function, and windows', () => {
    const bad = [
      { ...base, mode: 'update' },
      { ...base, reduce: (_k: string, n: number[]) => n.length },
      { ...base, delegate: 'https://api.example.com/score' },
      { ...base, window: { size: '1 minute', time: () => 0 } },
    ];
    const messages = bad.map((definition) => {
      try {
        defineStream(definition as unknown as Parameters<typeof defineStream>[0]);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(StreamDefinitionError);
        return (error as Error).message;
      }
    });
    expect(messages[0]).toMatch(/mode must be 'append'/);
    expect(messages[1]).toMatch(/reduce needs a map/);
    expect(messages[2]).toMatch(/delegate must be a function/);
    expect(messages[3]).toMatch(/no event-time windows/);
  });
});
