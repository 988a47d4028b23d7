import { describe, expect, it } from 'vitest';
import { lines } from '../../../framework/io/formats.js';
import { readSplit } from '../../../framework/io/readSplit.js';
import { listInputs } from '../../../framework/plan/listInputs.js';
import { makeSplits } from '../../../framework/plan/makeSplits.js';
import { openUri } from '../../../framework/store/uri.js';
import { cut, pick, random, readAll, scratch, useScratch, writeInput } from './support.js';

const ALPHABET = ['a', 'b', 'Z', ' ', '\t', ',', 'é', 'ß', '日', '本', '😀', '\r', '"'];
const SPLIT_SIZES = [1, 2, 3, 7, 64, 1000];
const CHUNK_SIZES = [1, 2, 5, 17, 65536];

/** Random text: lines of random length and characters, LF or CRLF, maybe no final newline, maybe a BOM. */
function randomText(seed: number): string {
  const rand = random(seed);
  let text = rand() < 0.15 ? '\uFEFF' : '';
  const count = Math.floor(rand() * 30);
  for (let n = 0; n < count; n++) {
    const length = rand() < 0.1 ? Math.floor(rand() * 300) : Math.floor(rand() * 12);
    for (let c = 0; c < length; c++) text += pick(rand, ALPHABET);
    if (n < count - 1 || rand() < 0.6) text += rand() < 0.3 ? '\r\n' : '\n';
  }
  return text;
}

/** The records and offsets, by plain string splitting (independent of the reader). */
function expected(bytes: Buffer): { text: string; offset: number }[] {
  const text = bytes.toString('utf8');
  const records = text.split(/\r?\n/);
  const pieces = text.split('\n');
  if (records.at(-1) === '') {
    records.pop();
    pieces.pop();
  }
  if (records.length > 0 && text.startsWith('\uFEFF')) records[0] = (records[0] as string).slice(1);
  let offset = 0;
  return records.map((record, index) => {
    const at = offset;
    offset += Buffer.byteLength(pieces[index] as string) + 1;
    return { text: record, offset: at };
  });
}

const EDGE_CASES = [
  '',
  '\n',
  '\n\n',
  'a',
  'a\n',
  'a\r\n',
  '\r\n',
  'a\r',
  '\r',
  '\uFEFF',
  '\uFEFFx\n',
  '日本\n語',
  'x\n\ny\n\n',
];

describe('readSplit with lines()', () => {
  const { store, dir } = useScratch();

  const texts = [...EDGE_CASES.map((text, n) => ({ name: `edge ${n} ${JSON.stringify(text)}`, text }))];
  for (let seed = 1; seed <= 40; seed++) texts.push({ name: `random seed ${seed}`, text: randomText(seed) });

  it.each(texts)(
    'yields every record exactly once, in order, for any split size: $name',
    async ({ text }) => {
      const bytes = Buffer.from(text, 'utf8');
      const key = 'input.txt';
      const uri = await writeInput(dir, key, bytes);
      const want = expected(bytes);
      const rand = random(bytes.length + 7);
      for (const splitSize of [...SPLIT_SIZES, Math.max(1, bytes.length)]) {
        const chunkBytes = pick(rand, CHUNK_SIZES);
        const splits = cut(uri, bytes.length, splitSize);
        const { seen, records, bytes: total } = await readAll(store, key, splits, lines(), { chunkBytes });
        const context = `split size ${splitSize}, chunk ${chunkBytes}`;
        expect(
          seen.map((s) => s.record),
          context,
        ).toEqual(want.map((w) => w.text));
        expect(
          seen.map((s) => s.offset),
          context,
        ).toEqual(want.map((w) => w.offset));
        expect(records, context).toBe(want.length);
        expect(total, context).toBe(bytes.length);
        for (const s of seen) {
          const split = splits[s.split];
          expect(s.offset >= (split?.start ?? -1) && s.offset < (split?.end ?? -1), context).toBe(true);
          const index = want.findIndex((w) => w.offset === s.offset);
          expect(s.line, context).toBe(split?.start === 0 ? index + 1 : undefined);
        }
      }
    },
  );

  it('reads a large file with long and short lines across many chunks', async () => {
    const rand = random(99);
    const parts: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const length = rand() < 0.01 ? 70_000 : Math.floor(rand() * 80);
      parts.push(`${n}:${'x'.repeat(length)}${rand() < 0.5 ? 'é' : ''}${rand() < 0.2 ? '\r\n' : '\n'}`);
    }
    const bytes = Buffer.from(parts.join(''));
    const uri = await writeInput(dir, 'large.txt', bytes);
    const want = expected(bytes);
    for (const splitSize of [4096, 100_000, 1 << 20]) {
      const { seen } = await readAll(store, 'large.txt', cut(uri, bytes.length, splitSize), lines());
      expect(seen.map((s) => s.record)).toEqual(want.map((w) => w.text));
      expect(seen.map((s) => s.offset)).toEqual(want.map((w) => w.offset));
    }
  });

  it('awaits an async handler before the next record', async () => {
    const text = 'a\nb\r\nc\nd';
    const uri = await writeInput(dir, 'async.txt', text);
    const order: string[] = [];
    let busy = false;
    const split = { id: 0, uri, start: 0, end: text.length, size: text.length };
    const result = await readSplit({ store, key: 'async.txt' }, split, lines(), async (record) => {
      expect(busy).toBe(false);
      busy = true;
      await new Promise((resolve) => setTimeout(resolve, 1));
      order.push(record);
      busy = false;
    });
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(result.records).toBe(4);
  });

  it('counts no records in splits that contain no record start', async () => {
    const text = `${'x'.repeat(50)}\n`;
    const uri = await writeInput(dir, 'one.txt', text);
    const result = await readSplit(
      { store, key: 'one.txt' },
      { id: 1, uri, start: 10, end: 20, size: text.length },
      lines(),
      () => {
        throw new Error('no record starts in [10, 20)');
      },
    );
    expect(result).toEqual({ records: 0, bytes: 0 });
  });
});

describe('readSplit over a planned input', () => {
  it('reads the splits made by makeSplits, opened by URI, as the whole file', async () => {
    const { dir, cleanup } = await scratch();
    try {
      const text = Array.from({ length: 3000 }, (_, n) => `line ${n} ${'日'.repeat(n % 4)}`).join('\n');
      const uri = await writeInput(dir, 'in.txt', text);
      const files = await listInputs([dir]);
      const seen: string[] = [];
      for (const split of makeSplits(files, 1000)) {
        await readSplit(openUri(split.uri), split, lines(), (record) => {
          seen.push(record);
        });
      }
      expect(files).toEqual([{ uri, size: Buffer.byteLength(text) }]);
      expect(seen).toEqual(text.split('\n'));
    } finally {
      await cleanup();
    }
  });
});
