import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvDecoder } from '../../../framework/io/CsvDecoder.js';
import { BadRecordError, InvalidFormatError } from '../../../framework/io/errors.js';
import { csv } from '../../../framework/io/formats.js';
import { cut, pick, random, readAll, rejection, useScratch, writeInput } from './support.js';

const CHARS = ['a', 'b', 'Z', ' ', 'é', '日', '😀', ',', ';', '"', '1'];

function field(rand: () => number, delimiter: string): string {
  let value = '';
  const length = Math.floor(rand() * 8);
  for (let c = 0; c < length; c++) value += pick(rand, CHARS);
  const mustQuote = value.includes(delimiter) || value.includes('"');
  return mustQuote || rand() < 0.2 ? `"${value.replaceAll('"', '""')}"` : value;
}

function randomCsv(seed: number, delimiter: string): string {
  const rand = random(seed);
  const columns = 1 + Math.floor(rand() * 4);
  const header = Array.from({ length: columns }, (_, n) => `col${n}`);
  let text = (rand() < 0.2 ? '\uFEFF' : '') + header.join(delimiter);
  const rows = Math.floor(rand() * 20);
  for (let n = 0; n < rows; n++) {
    text += rand() < 0.3 ? '\r\n' : '\n';
    if (rand() < 0.1) continue; // a blank line
    text += Array.from({ length: columns }, () => field(rand, delimiter)).join(delimiter);
    if (columns === 1 && text.endsWith('\n')) text += 'x'; // a lone empty field would be a blank line
  }
  if (rand() < 0.5) text += '\n';
  return text;
}

describe('readSplit with csv()', () => {
  const { store, dir } = useScratch();

  it.each(Array.from({ length: 30 }, (_, n) => n + 1))(
    'yields each row once as an object keyed by the header, for any split size (seed %i)',
    async (seed) => {
      const delimiter = seed % 3 === 0 ? ';' : ',';
      const text = randomCsv(seed, delimiter);
      const bytes = Buffer.from(text);
      const uri = await writeInput(dir, 'in.csv', bytes);
      const want = parse(text, {
        columns: true,
        delimiter,
        bom: true,
        skip_empty_lines: true,
        record_delimiter: ['\r\n', '\n'],
      });
      for (const splitSize of [1, 2, 3, 7, 64, 1000, bytes.length]) {
        const { seen, bytes: total } = await readAll(
          store,
          'in.csv',
          cut(uri, bytes.length, splitSize),
          csv({ delimiter }),
          {
            chunkBytes: 1 + (seed % 7),
          },
        );
        expect(
          seen.map((s) => s.record),
          `split size ${splitSize}`,
        ).toEqual(want);
        expect(total).toBe(bytes.length);
      }
    },
  );

  it.each([1, 2, 3])(
    'reads headerless files with csv({ columns }), the first line a record, for any split size (seed %i)',
    async (seed) => {
      const text = randomCsv(seed + 100, ',').replace(/^\uFEFF/, '');
      const columns = (text.split(/\r?\n/)[0] ?? '').split(',').map((_, n) => `c${n}`);
      const body = text.replace(/^[^\n]*\n/, ''); // drop the generated header: data only
      const bytes = Buffer.from(body);
      const uri = await writeInput(dir, 'headerless.csv', bytes);
      const want = parse(body, { columns, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] });
      expect(want.length).toBeGreaterThan(0);
      for (const splitSize of [1, 5, 64, bytes.length + 1]) {
        const { seen } = await readAll(
          store,
          'headerless.csv',
          cut(uri, bytes.length, splitSize),
          csv({ columns }),
        );
        expect(
          seen.map((s) => s.record),
          `split size ${splitSize}`,
        ).toEqual(want);
      }
    },
  );

  it('refuses csv({ columns }) without names or with a name twice, saying so', () => {
    expect(() => csv({ columns: [] })).toThrow(/give at least one column name/);
    expect(() => csv({ columns: ['a', 'a'] })).toThrow(/column "a" appears twice/);
  });

  it('splits quote-free rows exactly as csv-parse does', () => {
    const rand = random(5);
    for (let n = 0; n < 500; n++) {
      const delimiter = pick(rand, [',', ';', '\t', '||']);
      const fields = Array.from({ length: 1 + Math.floor(rand() * 5) }, () =>
        Array.from({ length: Math.floor(rand() * 5) }, () =>
          pick(rand, ['a', ' ', 'é', '\r', '|', "'"]),
        ).join(''),
      );
      const line = fields.join(delimiter);
      if (line === '') continue;
      const reference = parse(line, { delimiter, record_delimiter: '\n' })[0] as string[];
      const rows: Record<string, string>[] = [];
      const header = reference.map((_, k) => `c${k}`);
      new CsvDecoder('file:///t.csv', delimiter, header, (row) => {
        rows.push(row);
      }).onLine(line, 0, 1);
      expect(rows.map((row) => Object.values(row))).toEqual([reference]);
    }
  });

  it('reports a row with the wrong number of fields with its position', async () => {
    const text = 'a,b\n1,2\n3,4,5\n';
    const uri = await writeInput(dir, 'cols.csv', text);
    const error = await rejection(readAll(store, 'cols.csv', cut(uri, text.length, 100), csv()));
    expect(error).toBeInstanceOf(BadRecordError);
    expect(error.message).toContain(`${uri} at byte 8 (line 3)`);
    expect(error.message).toContain('expected 2 fields');
  });

  it('reports bad quoting, and skips bad rows when onBadRecord is given', async () => {
    const text = 'a,b\n1,"2\n"x"y,3\n4,5\n';
    const uri = await writeInput(dir, 'quotes.csv', text);
    const error = await rejection(readAll(store, 'quotes.csv', cut(uri, text.length, 6), csv()));
    expect(error).toBeInstanceOf(BadRecordError);
    expect(error.message).toContain(`${uri} at byte 4`);
    const bad: BadRecordError[] = [];
    const { seen } = await readAll(store, 'quotes.csv', cut(uri, text.length, 6), csv(), {
      onBadRecord: (e) => bad.push(e),
    });
    expect(seen.map((s) => s.record)).toEqual([{ a: '4', b: '5' }]);
    expect(bad.map((e) => e.position.offset)).toEqual([4, 9]);
  });

  it('keeps the row out of quoting errors, which the CSV parser would quote', async () => {
    const text = 'user,pin\nalice"secret,1234\nbob,"99"x\n';
    const uri = await writeInput(dir, 'quoted.csv', text);
    const bad: BadRecordError[] = [];
    await readAll(store, 'quoted.csv', cut(uri, text.length, 1000), csv(), {
      onBadRecord: (e) => bad.push(e),
    });
    expect(bad.map((e) => e.position.line)).toEqual([2, 3]);
    for (const error of bad) {
      expect(error.reason).toMatch(/^bad CSV quoting \(/);
      expect(error.message).not.toMatch(/alice|secret|1234|99/);
    }
  });

  it('refuses an empty or duplicated header, naming the object', async () => {
    const uri = await writeInput(dir, 'dup.csv', 'a,b,a\n1,2,3\n');
    const error = await rejection(readAll(store, 'dup.csv', cut(uri, 12, 5), csv()));
    expect(error).toBeInstanceOf(InvalidFormatError);
    expect(error.message).toContain(uri);
    expect(error.message).toContain('"a" appears twice');
    const empty = await writeInput(dir, 'empty-header.csv', '\n1,2\n');
    const error2 = await rejection(readAll(store, 'empty-header.csv', cut(empty, 5, 100), csv()));
    expect(error2.message).toContain('empty');
  });
});
