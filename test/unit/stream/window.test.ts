import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csv, jsonLines } from '../../../framework/io/index.js';
import { defineStream } from '../../../framework/stream/defineStream.js';
import { StreamDefinitionError } from '../../../framework/stream/errors.js';
import { closedWindow, stateLocation, tumbling, windowStart } from '../../../framework/stream/window.js';

type Click = { page: string; time: number };
const sum = (_k: string, values: number[]) => values.reduce((a, b) => a + b, 0);
const base = {
  name: 'clicks',
  source: { prefix: 'in/clicks/' },
  input: jsonLines<Click>(),
  map: (click: Click, emit: (k: string, v: number) => void) => emit(click.page, 1),
  reduce: sum,
};

describe('tumbling windows', () => {
  it('put every time in exactly one window [start, start + size) with start a multiple of size', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 1, max: 1e7 }), (time, size) => {
        const start = windowStart(time, size);
        expect(start <= time && time < start + size).toBe(true);
        expect(Math.abs(start % size)).toBe(0);
      }),
    );
  });

  it('close a window once the watermark reaches its end, not before', () => {
    expect(closedWindow([10, 'a'], { sizeMs: 10, watermark: 20 })).toEqual({ start: 10, end: 20, key: 'a' });
    expect(closedWindow([10, 'a'], { sizeMs: 10, watermark: 19 })).toBeUndefined();
    expect(closedWindow([10, 'a'], { sizeMs: 10 })).toBeUndefined();
  });

  it('keep their open windows beside the batch folder, derived from the output alone', () => {
    expect(stateLocation('s3://data/out/streams/clicks/batch=0000000003/')).toBe(
      's3://data/out/streams/clicks/_state/batch=0000000003/',
    );
    expect(() => stateLocation('s3://data/out/other/')).toThrow(/must end in batch=<N>\//);
  });
});

describe('defineStream with a window', () => {
  it('resolves the window and the watermark delay, and folds by the user key alone', () => {
    const stream = defineStream({
      ...base,
      window: tumbling('5 minutes', (click: Click) => click.time),
      watermark: '2 minutes',
    });
    expect(stream.stream.window).toEqual({ sizeMs: 300_000, delayMs: 120_000 });
    expect(stream.reduce?.(JSON.parse('[300000, "home"]'), [1, 2, 3])).toBe(6);
  });

  it.each([
    [{ watermark: '2 minutes' }, /watermark needs window/],
    [{ window: tumbling(10, (c: Click) => c.time), mode: 'update' }, /append mode/],
    [{ window: { kind: 'sliding' } }, /tumbling\(size, record => eventTime\)/],
    [{ window: tumbling(10, (c: Click) => c.time), reduce: undefined }, /needs reduce/],
    [{ window: tumbling(10, (c: Click) => c.time), input: csv() }, /jsonLines\(\) or lines\(\)/],
    [{ window: tumbling(10, (c: Click) => c.time), watermark: 'soon' }, /watermark: invalid duration/],
  ])('refuses %o, saying what to write', (change, message) => {
    const definition = { ...base, ...change } as unknown as Parameters<typeof defineStream>[0];
    expect(() => defineStream(definition)).toThrow(StreamDefinitionError);
    expect(() => defineStream(definition)).toThrow(message);
  });

  it('refuses a window size that is not a positive duration', () => {
    expect(() => tumbling('0s', (c: Click) => c.time)).toThrow(/invalid duration/);
  });
});
