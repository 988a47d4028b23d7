import { describe, expect, it } from 'vitest';
import { InvalidFormatError } from '../../../framework/io/errors.js';
import {
  csv,
  csvOutput,
  jsonLines,
  jsonLinesOutput,
  lines,
  textOutput,
} from '../../../framework/io/formats.js';

describe('format constructors', () => {
  it('describe the input and output formats', () => {
    expect(lines()).toEqual({ kind: 'lines' });
    expect(jsonLines()).toEqual({ kind: 'jsonl' });
    expect(csv()).toEqual({ kind: 'csv', delimiter: ',' });
    expect(csv({ delimiter: '\t' })).toEqual({ kind: 'csv', delimiter: '\t' });
    expect(jsonLinesOutput()).toEqual({ kind: 'jsonl' });
    expect(csvOutput({ delimiter: ';' })).toEqual({ kind: 'csv', delimiter: ';' });
    expect(textOutput()).toEqual({ kind: 'text', delimiter: '\t' });
  });

  it.each(['', '"', '\n', 'a\r'])('refuse the CSV delimiter %j with a clear error', (delimiter) => {
    expect(() => csv({ delimiter })).toThrow(InvalidFormatError);
    expect(() => csv({ delimiter })).toThrow(/delimiter/);
  });
});
