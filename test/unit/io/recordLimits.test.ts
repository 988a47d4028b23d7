import { describe, expect, it } from 'vitest';
import { RecordTooLargeError } from '../../../framework/io/errors.js';
import { lines } from '../../../framework/io/formats.js';
import { cut, readAll, rejection, useScratch, writeInput } from './support.js';

describe('readSplit record size limit', () => {
  const { store, dir } = useScratch();

  it('accepts records of exactly maxRecordBytes, with LF or CRLF, across chunk sizes', async () => {
    const text = `${'a'.repeat(10)}\n${'b'.repeat(10)}\r\n${'é'.repeat(5)}\n${'c'.repeat(10)}`;
    const uri = await writeInput(dir, 'exact.txt', text);
    const size = Buffer.byteLength(text);
    for (const chunkBytes of [1, 3, 64]) {
      const { seen } = await readAll(store, 'exact.txt', cut(uri, size, 4), lines(), {
        maxRecordBytes: 10,
        chunkBytes,
      });
      expect(seen.map((s) => s.record)).toEqual([
        'a'.repeat(10),
        'b'.repeat(10),
        'é'.repeat(5),
        'c'.repeat(10),
      ]);
    }
  });

  it.each([1, 4, 64, 65536])(
    'throws RecordTooLargeError with URI, offset and limit (chunk %i)',
    async (chunkBytes) => {
      const text = `ok\n${'x'.repeat(11)}\nok\n`;
      const uri = await writeInput(dir, 'big.txt', text);
      const error = await rejection(
        readAll(store, 'big.txt', cut(uri, text.length, 1000), lines(), { maxRecordBytes: 10, chunkBytes }),
      );
      expect(error).toBeInstanceOf(RecordTooLargeError);
      expect(error.name).toBe('RecordTooLargeError');
      expect(error.message).toContain(`${uri} at byte 3 (line 2)`);
      expect(error.message).toContain('10 bytes');
      expect(error.message).toContain('maxRecordBytes');
    },
  );

  it('stops a record without line breaks instead of buffering it', async () => {
    const size = 3 * 1024 * 1024;
    const uri = await writeInput(dir, 'blob.bin', Buffer.alloc(size, 0x41));
    const error = await rejection(
      readAll(store, 'blob.bin', cut(uri, size, 1024), lines(), { maxRecordBytes: 64 * 1024 }),
    );
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect((error as RecordTooLargeError).position.offset).toBe(0);
  });
});
