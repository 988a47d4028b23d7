import { describe, expect, it } from 'vitest';
import { InvalidSizeError } from '../../../framework/plan/errors.js';
import { parseSize } from '../../../framework/plan/parseSize.js';

describe('parseSize', () => {
  it.each([
    ['1048576', 1048576],
    ['0', 0],
    ['512k', 512 * 1024],
    ['8MB', 8 * 1024 * 1024],
    ['64MiB', 64 * 1024 * 1024],
    ['64 mib', 64 * 1024 * 1024],
    ['1.5MB', 1.5 * 1024 * 1024],
    ['2G', 2 * 1024 ** 3],
    ['1TiB', 1024 ** 4],
    ['100b', 100],
    [4096, 4096],
  ] as const)('reads %j as %i bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'abc', '12 parsecs', '-5', '1.5', '0.1k', 'MB', '1e6', '8 M B'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(InvalidSizeError);
    expect(() => parseSize(text)).toThrow(/Invalid size .*64MiB/);
  });
});
