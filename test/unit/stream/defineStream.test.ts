import { describe, expect, it } from 'vitest';
import { ConfigError, defineConfig } from '../../../framework/deploy/config.js';
import { jsonLines } from '../../../framework/io/index.js';
import { isJob } from '../../../framework/job/defineJob.js';
import { defineStream, isStream } from '../../../framework/stream/defineStream.js';
import { parseDuration, rateExpression } from '../../../framework/stream/duration.js';
import { StreamDefinitionError } from '../../../framework/stream/errors.js';

const sum = (_k: string, values: number[]) => values.reduce((a, b) => a + b, 0);
const base = {
  name: 'clicks',
  source: { prefix: 'in/clicks/' },
  input: jsonLines<{ page: string }>(),
  map: (click: { page: string }, emit: (k: string, v: number) => void) => emit(click.page, 1),
};

describe('defineStream', () => {
  it('is a job (each batch runs it) with resolved stream settings', () => {
    const stream = defineStream({
      ...base,
      reduce: sum,
      trigger: { every: '10s', maxBytesPerBatch: '2MiB' },
    });
    expect(isJob(stream) && isStream(stream)).toBe(true);
    expect(stream.stream).toEqual({
      name: 'clicks',
      prefix: 'in/clicks/',
      mode: 'append',
      everyMs: 10_000,
      maxFiles: 1000,
      maxBytes: 2 * 1024 * 1024,
      rewrites: 'skip',
      badRecords: 'fail',
    });
    expect(Object.isFrozen(stream)).toBe(true);
  });

  it.each([
    [{ name: '1clicks' }, /name must start with a letter/],
    [{ source: { prefix: '/abs/' } }, /source.prefix must be a bucket prefix ending in '\//],
    [{ source: { prefix: 'in/clicks' } }, /source.prefix/],
    [{ mode: 'update' }, /mode 'update' needs reduce/],
    [{ source: { prefix: 'out/clicks/' } }, /overlaps out\/, where the stack keeps results/],
    [{ source: { prefix: 'streams/' } }, /overlaps streams\//],
    [{ trigger: { maxFilesPerBatch: 0 } }, /maxFilesPerBatch must be a whole number/],
    [{ trigger: { every: 'soon' } }, /invalid duration "soon"/],
  ])('refuses %j with a message naming the field', (change, message) => {
    expect(() => defineStream({ ...base, ...change } as never)).toThrow(StreamDefinitionError);
    expect(() => defineStream({ ...base, ...change } as never)).toThrow(message);
  });

  it('is registered in the config under its own name only', () => {
    const clicks = defineStream({ ...base, reduce: sum });
    expect(defineConfig({ jobs: {}, streams: { clicks } }).streams?.clicks).toBe(clicks);
    expect(() => defineConfig({ jobs: {}, streams: { other: clicks } })).toThrow(ConfigError);
    expect(() => defineConfig({ jobs: {}, streams: { clicks: {} as never } })).toThrow(
      /not a stream made by defineStream/,
    );
  });
});

describe('durations', () => {
  it('reads units and writes the EventBridge rate, at least one minute', () => {
    expect(parseDuration('1 minute')).toBe(60_000);
    expect(parseDuration('5 minutes')).toBe(300_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(rateExpression(parseDuration('10s'))).toBe('rate(1 minute)');
    expect(rateExpression(parseDuration('90s'))).toBe('rate(2 minutes)');
    expect(rateExpression(parseDuration('2h'))).toBe('rate(2 hours)');
    expect(rateExpression(parseDuration('1 day'))).toBe('rate(1 day)');
  });
});
