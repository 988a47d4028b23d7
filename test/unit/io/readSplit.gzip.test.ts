import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptInputError, InvalidFormatError } from '../../../framework/io/errors.js';
import { csv, jsonLines, lines } from '../../../framework/io/formats.js';
import type { Split } from '../../../framework/job/types.js';
import { readAll, rejection, useScratch, writeInput } from './support.js';

function gzipSplit(uri: string, size: number): Split {
  return { id: 0, uri, start: 0, end: size, size, compression: 'gzip' };
}

describe('readSplit of gzip objects', () => {
  const { store, dir } = useScratch();

  it('decompresses the whole object and reports decompressed offsets and line numbers', async () => {
    const rows = Array.from({ length: 20_000 }, (_, n) => `row ${n} ${'é'.repeat(n % 5)}`);
    const text = `${rows.join('\r\n')}\n`;
    const gz = gzipSync(text);
    const uri = await writeInput(dir, 'rows.txt.gz', gz);
    const { seen, records, bytes } = await readAll(
      store,
      'rows.txt.gz',
      [gzipSplit(uri, gz.length)],
      lines(),
    );
    expect(seen.map((s) => s.record)).toEqual(rows);
    expect(records).toBe(rows.length);
    expect(bytes).toBe(Buffer.byteLength(text));
    let offset = 0;
    rows.forEach((row, n) => {
      expect(seen[n]?.offset).toBe(offset);
      expect(seen[n]?.line).toBe(n + 1);
      offset += Buffer.byteLength(row) + 2;
    });
  });

  it('reads JSON Lines and CSV (header from the stream) from gzip', async () => {
    const values = Array.from({ length: 100 }, (_, n) => ({ n, s: `v${n}` }));
    const jsonl = gzipSync(values.map((v) => JSON.stringify(v)).join('\n'));
    const jsonlUri = await writeInput(dir, 'v.jsonl.gz', jsonl);
    const json = await readAll(store, 'v.jsonl.gz', [gzipSplit(jsonlUri, jsonl.length)], jsonLines());
    expect(json.seen.map((s) => s.record)).toEqual(values);
    const table = gzipSync(`n,s\n${values.map((v) => `${v.n},${v.s}`).join('\n')}\n`);
    const csvUri = await writeInput(dir, 'v.csv.gz', table);
    const rows = await readAll(store, 'v.csv.gz', [gzipSplit(csvUri, table.length)], csv());
    expect(rows.seen.map((s) => s.record)).toEqual(values.map((v) => ({ n: String(v.n), s: v.s })));
  });

  it('rejects a truncated gzip object with CorruptInputError naming its URI', async () => {
    const gz = gzipSync(Buffer.from('hello\n'.repeat(10_000)));
    const truncated = gz.subarray(0, Math.floor(gz.length / 2));
    const uri = await writeInput(dir, 'cut.gz', truncated);
    const error = await rejection(readAll(store, 'cut.gz', [gzipSplit(uri, truncated.length)], lines()));
    expect(error).toBeInstanceOf(CorruptInputError);
    expect(error.name).toBe('CorruptInputError');
    expect(error.message).toContain(uri);
  });

  it('rejects data that is not gzip with CorruptInputError', async () => {
    const uri = await writeInput(dir, 'plain.gz', 'this is not gzip\n');
    const error = await rejection(readAll(store, 'plain.gz', [gzipSplit(uri, 17)], lines()));
    expect(error).toBeInstanceOf(CorruptInputError);
    expect(error.message).toContain(uri);
  });

  it('refuses a gzip split that does not start at byte 0', async () => {
    const gz = gzipSync('a\n');
    const uri = await writeInput(dir, 'part.gz', gz);
    const split = { ...gzipSplit(uri, gz.length), start: 1 };
    const error = await rejection(readAll(store, 'part.gz', [split], lines()));
    expect(error).toBeInstanceOf(InvalidFormatError);
    expect(error.message).toContain(uri);
  });
});
