import { describe, expect, it } from 'vitest';
import { InvalidSizeError } from '../../../framework/plan/errors.js';
import { makeSplits } from '../../../framework/plan/makeSplits.js';

describe('makeSplits', () => {
  it('cuts each file into ranges of splitSize that cover it exactly, numbered in order', () => {
    const files = [
      { uri: 'file:///a.txt', size: 250 },
      { uri: 'file:///b.txt', size: 100 },
      { uri: 'file:///c.txt', size: 1 },
    ];
    for (const splitSize of [1, 7, 100, 1000]) {
      const splits = makeSplits(files, splitSize);
      expect(splits.map((s) => s.id)).toEqual(splits.map((_, n) => n));
      for (const file of files) {
        const own = splits.filter((s) => s.uri === file.uri);
        let next = 0;
        for (const split of own) {
          expect(split.start).toBe(next);
          expect(split.end - split.start).toBe(Math.min(splitSize, file.size - split.start));
          expect(split.size).toBe(file.size);
          next = split.end;
        }
        expect(next).toBe(file.size);
        expect(own.length).toBe(Math.ceil(file.size / splitSize));
      }
    }
  });

  it('makes one gzip split per .gz file and none for empty files', () => {
    const splits = makeSplits(
      [
        { uri: 'file:///empty.txt', size: 0 },
        { uri: 'file:///logs.GZ', size: 5000 },
        { uri: 'file:///t.txt', size: 3 },
      ],
      1000,
    );
    expect(splits).toEqual([
      { id: 0, uri: 'file:///logs.GZ', start: 0, end: 5000, size: 5000, compression: 'gzip' },
      { id: 1, uri: 'file:///t.txt', start: 0, end: 3, size: 3 },
    ]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses split size %s', (size) => {
    expect(() => makeSplits([], size)).toThrow(InvalidSizeError);
  });

  it.each([
    [100, 100, [[0, 100]]],
    [105, 100, [[0, 105]]],
    [110, 100, [[0, 110]]],
    [
      111,
      100,
      [
        [0, 100],
        [100, 111],
      ],
    ],
    [
      310,
      100,
      [
        [0, 100],
        [100, 200],
        [200, 310],
      ],
    ],
    [
      331,
      100,
      [
        [0, 100],
        [100, 200],
        [200, 300],
        [300, 331],
      ],
    ],
  ])(
    'a %i-byte file in %i-byte splits: a remainder up to 10%% joins the last split',
    (size, splitSize, ranges) => {
      const splits = makeSplits([{ uri: 'file:///in.txt', size }], splitSize);
      expect(splits.map((s) => [s.start, s.end])).toEqual(ranges);
    },
  );
});
