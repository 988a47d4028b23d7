import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { OutputFormatError } from '../../../framework/io/errors.js';
import { csvOutput, jsonLinesOutput, textOutput } from '../../../framework/io/formats.js';
import { PartWriter } from '../../../framework/io/PartWriter.js';
import type { Key } from '../../../framework/job/types.js';

const PAIRS: [Key, unknown][] = [
  ['word', 3],
  [['composite', 2], { a: 1 }],
  [7, 'seven, with "quotes"\nand a break'],
  [null, [1, 2]],
  [true, undefined],
];

describe('PartWriter', () => {
  it('writes JSON Lines that parse back to the same keys and values', () => {
    const writer = new PartWriter(jsonLinesOutput());
    for (const [key, value] of PAIRS) writer.write(key, value);
    const body = writer.finish().toString('utf8');
    const back = body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(back).toEqual(PAIRS.map(([key, value]) => ({ key, value: value === undefined ? null : value })));
    expect(writer.records).toBe(PAIRS.length);
  });

  it('writes text as key<TAB>value with strings raw and other values as JSON', () => {
    const writer = new PartWriter(textOutput());
    writer.write('a', 'b c');
    writer.write(['k', 1], { v: true });
    writer.write(2, 'x');
    expect(writer.finish().toString()).toBe('a\tb c\n["k",1]\t{"v":true}\n2\tx\n');
    const spaced = new PartWriter(textOutput({ delimiter: ' = ' }));
    spaced.write('a', 1);
    expect(spaced.finish().toString()).toBe('a = 1\n');
  });

  it('writes CSV key,value rows that csv-parse reads back, quoting as needed', () => {
    const writer = new PartWriter(csvOutput());
    for (const [key, value] of PAIRS) writer.write(key, value);
    const rows = parse(writer.finish());
    const cell = (v: unknown) =>
      v === undefined || v === null
        ? ''
        : typeof v === 'string'
          ? v
          : typeof v === 'object'
            ? JSON.stringify(v)
            : String(v);
    expect(rows).toEqual([['key', 'value'], ...PAIRS.map(([key, value]) => [cell(key), cell(value)])]);
  });

  it('makes object fields CSV columns fixed by the first record; missing fields are empty', () => {
    const writer = new PartWriter(csvOutput({ delimiter: ';' }));
    writer.write('oslo', { min: -3, max: 12, tags: ['cold'] });
    writer.write('rome', { max: 30, min: 8, extra: 'dropped' });
    writer.write('lima', { min: 15 });
    const rows = parse(writer.finish(), { delimiter: ';' });
    expect(rows).toEqual([
      ['key', 'min', 'max', 'tags'],
      ['oslo', '-3', '12', '["cold"]'],
      ['rome', '8', '30', ''],
      ['lima', '15', '', ''],
    ]);
  });

  it('refuses a non-object value once CSV columns came from an object', () => {
    const writer = new PartWriter(csvOutput());
    writer.write('a', { n: 1 });
    expect(() => writer.write('b', 2)).toThrow(OutputFormatError);
    // The message says what kind of value it was, not the key or the value.
    expect(() => writer.write('carol.secret@example.com', 'bob.secret@example.com')).toThrow(
      /^Cannot write a value as CSV: it is a string, but/,
    );
  });

  it('counts bytes and checksums the whole part, also when it is taken in pieces', () => {
    const whole = new PartWriter(jsonLinesOutput());
    const pieces = new PartWriter(jsonLinesOutput());
    const taken: Buffer[] = [];
    for (let n = 0; n < 3000; n++) {
      whole.write(`k${n}`, { n, s: 'é'.repeat(n % 7) });
      pieces.write(`k${n}`, { n, s: 'é'.repeat(n % 7) });
      if (n % 700 === 0) taken.push(pieces.take());
    }
    const body = whole.finish();
    taken.push(pieces.finish());
    const joined = Buffer.concat(taken);
    expect(joined.equals(body)).toBe(true);
    expect(whole.bytes).toBe(body.length);
    expect(pieces.bytes).toBe(body.length);
    const sha = createHash('sha256').update(body).digest('hex');
    expect(whole.sha256()).toBe(sha);
    expect(pieces.sha256()).toBe(sha);
    expect(whole.records).toBe(3000);
  });

  it('writes an empty part, without a CSV header, when there are no records', () => {
    const writer = new PartWriter(csvOutput());
    expect(writer.finish().length).toBe(0);
    expect(writer.sha256()).toBe(createHash('sha256').digest('hex'));
    expect(() => writer.write('late', 1)).toThrow(OutputFormatError);
  });
});
