import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../../framework/io/errors.js';
import { csv, jsonLines, lines } from '../../../framework/io/formats.js';
import { cut, readAll, rejection, useScratch, writeInput } from './support.js';

/**
 * Lines that are not valid UTF-8 are bad records in every format: thrown with the file, line
 * and offset by default, skipped and reported with `onBadRecord`. Valid lines around them,
 * multi-byte characters and a literal U+FFFD are read as they are.
 */

// Line 3 holds a Latin-1 'é' (0xE9 alone); line 5 a truncated 3-byte sequence; line 6 an
// overlong encoding of '/'. Line 4 has a real U+FFFD (EF BF BD), which is valid UTF-8.
const LINES: Buffer[] = [
  Buffer.from('plain ascii'),
  Buffer.from('déjà vu 日本 😀'),
  Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]),
  Buffer.from('replacement \uFFFD is fine'),
  Buffer.from([0x61, 0xe6, 0x97]),
  Buffer.from([0xc0, 0xaf, 0x78]),
  Buffer.from('last line, 東京'),
];
const BAD = new Set([2, 4, 5]);

function file(eol: string): Buffer {
  return Buffer.concat(LINES.flatMap((l) => [l, Buffer.from(eol)]));
}

/** Byte offset of each line, computed from the pieces. */
function offsets(eol: string): number[] {
  let at = 0;
  return LINES.map((l) => {
    const here = at;
    at += l.length + eol.length;
    return here;
  });
}

describe('invalid UTF-8', () => {
  const { store, dir } = useScratch();

  it.each([
    { eol: '\n', chunkBytes: 65536, splitSize: 1000 },
    { eol: '\r\n', chunkBytes: 3, splitSize: 7 },
    { eol: '\n', chunkBytes: 1, splitSize: 2 },
  ])(
    'skips exactly the invalid lines with onBadRecord ($eol, chunks of $chunkBytes, splits of $splitSize)',
    async (o) => {
      const bytes = file(o.eol);
      const uri = await writeInput(dir, `skip-${o.chunkBytes}.txt`, bytes);
      const bad: BadRecordError[] = [];
      const { seen, records } = await readAll(
        store,
        `skip-${o.chunkBytes}.txt`,
        cut(uri, bytes.length, o.splitSize),
        lines(),
        {
          chunkBytes: o.chunkBytes,
          onBadRecord: (error) => bad.push(error),
        },
      );
      const good = LINES.map((l, i) => ({ l, i })).filter(({ i }) => !BAD.has(i));
      expect(seen.map((s) => s.record)).toEqual(good.map(({ l }) => l.toString('utf8')));
      expect(seen.map((s) => s.offset)).toEqual(good.map(({ i }) => offsets(o.eol)[i]));
      expect(records).toBe(good.length);
      expect(bad.map((e) => e.position.offset)).toEqual([...BAD].map((i) => offsets(o.eol)[i]));
      for (const error of bad)
        expect(error.reason).toMatch(/^invalid UTF-8 at byte \d+ of the record \(0x[0-9a-f]{2}\)/);
      expect(bad.map((e) => e.reason.match(/byte (\d+)/)?.[1])).toEqual(['3', '1', '0']);
    },
  );

  it('fails on the first invalid line by default, naming the file, line and offset', async () => {
    const bytes = file('\n');
    const uri = await writeInput(dir, 'fail.txt', bytes);
    const error = await rejection(readAll(store, 'fail.txt', cut(uri, bytes.length, 10_000), lines()));
    expect(error).toBeInstanceOf(BadRecordError);
    expect(error.message).toContain('fail.txt');
    expect(error.message).toMatch(/line 3/);
    expect((error as BadRecordError).position.offset).toBe(offsets('\n')[2]);
    expect(error.message).toContain('--bad-records skip');
  });

  it('applies to JSON Lines, CSV and gzip input alike', async () => {
    const json = Buffer.concat([
      Buffer.from('{"a":1}\n{"a":"'),
      Buffer.from([0xff]),
      Buffer.from('"}\n{"a":3}\n'),
    ]);
    const jsonUri = await writeInput(dir, 'in.jsonl', json);
    const badJson: BadRecordError[] = [];
    const j = await readAll(store, 'in.jsonl', cut(jsonUri, json.length, 5), jsonLines<{ a: number }>(), {
      onBadRecord: (e) => badJson.push(e),
    });
    expect(j.seen.map((s) => s.record)).toEqual([{ a: 1 }, { a: 3 }]);
    expect(badJson.map((e) => e.position.offset)).toEqual([8]);

    const table = Buffer.concat([
      Buffer.from('city,temp\nOslo,3\nK'),
      Buffer.from([0xf8]),
      Buffer.from('ln,5\nRome,20\n'),
    ]);
    const csvUri = await writeInput(dir, 'in.csv', table);
    const badCsv: BadRecordError[] = [];
    const c = await readAll(store, 'in.csv', cut(csvUri, table.length, 9), csv(), {
      onBadRecord: (e) => badCsv.push(e),
    });
    expect(c.seen.map((s) => s.record)).toEqual([
      { city: 'Oslo', temp: '3' },
      { city: 'Rome', temp: '20' },
    ]);
    expect(badCsv).toHaveLength(1);

    const packed = gzipSync(file('\n'));
    const gzUri = await writeInput(dir, 'in.txt.gz', packed);
    const gz = await rejection(
      readAll(
        store,
        'in.txt.gz',
        [{ id: 0, uri: gzUri, start: 0, end: packed.length, size: packed.length, compression: 'gzip' }],
        lines(),
      ),
    );
    expect((gz as BadRecordError).position.offset).toBe(offsets('\n')[2]);
  });
});
