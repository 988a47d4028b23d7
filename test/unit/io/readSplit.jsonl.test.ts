import { describe, expect, it } from 'vitest';
import { BadRecordError } from '../../../framework/io/errors.js';
import { jsonLines } from '../../../framework/io/formats.js';
import { cut, pick, random, readAll, rejection, useScratch, writeInput } from './support.js';

const WORDS = ['alpha', 'é', '日本', '😀', 'a "quote"', 'back\\slash', 'line\nbreak', '', ' '];

function randomJsonl(seed: number): string {
  const rand = random(seed);
  let text = '';
  const count = Math.floor(rand() * 25);
  for (let n = 0; n < count; n++) {
    const roll = rand();
    if (roll < 0.1) text += '';
    else if (roll < 0.15) text += '   ';
    else if (roll < 0.25) text += JSON.stringify(pick(rand, WORDS));
    else text += JSON.stringify({ n, word: pick(rand, WORDS), list: [rand() < 0.5, null, n * 1.5] });
    if (n < count - 1 || rand() < 0.7) text += rand() < 0.3 ? '\r\n' : '\n';
  }
  return text;
}

/** Non-blank lines parsed one by one (independent of the reader). */
function expected(text: string): unknown[] {
  const lines = text.split(/\r?\n/);
  return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
}

describe('readSplit with jsonLines()', () => {
  const { store, dir } = useScratch();

  const seeds = Array.from({ length: 30 }, (_, n) => n + 1);

  it.each(seeds)('yields every value exactly once for any split size (seed %i)', async (seed) => {
    const text = randomJsonl(seed);
    const bytes = Buffer.from(text);
    const uri = await writeInput(dir, 'in.jsonl', bytes);
    for (const splitSize of [1, 2, 3, 7, 64, 1000, Math.max(1, bytes.length)]) {
      const {
        seen,
        records,
        bytes: total,
      } = await readAll(store, 'in.jsonl', cut(uri, bytes.length, splitSize), jsonLines(), {
        chunkBytes: 1 + (seed % 13),
      });
      expect(
        seen.map((s) => s.record),
        `split size ${splitSize}`,
      ).toEqual(expected(text));
      expect(records).toBe(expected(text).length);
      expect(total).toBe(bytes.length);
    }
  });

  it('reports a malformed line with its URI, byte offset, line and advice, not its contents', async () => {
    const text = '{"a":1}\n\n{"a":2,}\n{"a":3}\n';
    const uri = await writeInput(dir, 'bad.jsonl', text);
    const error = await rejection(readAll(store, 'bad.jsonl', cut(uri, text.length, 1000), jsonLines()));
    expect(error).toBeInstanceOf(BadRecordError);
    expect(error.name).toBe('BadRecordError');
    const offset = text.indexOf('{"a":2,}');
    expect(error.message).toContain(uri);
    expect(error.message).toContain(`byte ${offset}`);
    expect(error.message).toContain('line 3');
    expect(error.message).not.toContain('"a":2');
    expect(error.message).toContain('invalid JSON (');
    expect(error.message).toContain('--bad-records skip');
    expect((error as BadRecordError).position).toEqual({ uri, offset, line: 3 });
  });

  it('keeps the record out of the reason even where the JSON parser quotes it', async () => {
    const text = 'password=hunter2 card=4111\n';
    const uri = await writeInput(dir, 'secret.jsonl', text);
    const bad: BadRecordError[] = [];
    await readAll(store, 'secret.jsonl', cut(uri, text.length, 1000), jsonLines(), {
      onBadRecord: (error) => bad.push(error),
    });
    expect(bad).toHaveLength(1);
    expect(bad[0]?.reason).toBe('invalid JSON (Unexpected token)');
    expect(bad[0]?.message).not.toMatch(/hunter2|4111|password/);
    const strict = await rejection(readAll(store, 'secret.jsonl', cut(uri, text.length, 1000), jsonLines()));
    expect(strict.message).not.toMatch(/hunter2|4111|password/);
  });

  it('gives the byte offset but no line number in a split that does not start at 0', async () => {
    const text = '{"a":1}\n{"a":2}\nnot json\n';
    const uri = await writeInput(dir, 'bad2.jsonl', text);
    const error = await rejection(readAll(store, 'bad2.jsonl', cut(uri, text.length, 10), jsonLines()));
    expect((error as BadRecordError).position).toEqual({ uri, offset: 16, line: undefined });
    expect(error.message).not.toContain('line');
  });

  it('hands bad records to onBadRecord and skips them when asked', async () => {
    const text = '{"a":1}\n{oops\n{"a":3}\n[1,\n';
    const uri = await writeInput(dir, 'skip.jsonl', text);
    const bad: BadRecordError[] = [];
    const { seen, records } = await readAll(store, 'skip.jsonl', cut(uri, text.length, 5), jsonLines(), {
      onBadRecord: (error) => bad.push(error),
    });
    expect(seen.map((s) => s.record)).toEqual([{ a: 1 }, { a: 3 }]);
    expect(records).toBe(2);
    expect(bad.map((e) => e.position.offset)).toEqual([text.indexOf('{oops'), text.indexOf('[1,')]);
  });
});
