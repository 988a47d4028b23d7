import type { InputFormat, OutputFormat } from '../job/types.js';
import { InvalidFormatError } from './errors.js';

/**
 * Input as lines of text: each record is one line, without its `\n` or `\r\n`. An empty line
 * is a record `""`; the end of the file after a final newline is not.
 *
 * @example
 * ```ts
 * export default defineJob({ input: lines(), map: (line, emit) => emit(line.length, 1) });
 * ```
 */
export function lines(): InputFormat<string> {
  return Object.freeze({ kind: 'lines' });
}

/**
 * Input as JSON Lines: one JSON value per line; blank lines are skipped. The type parameter
 * states what each value is; it is not checked at run time.
 *
 * @example
 * ```ts
 * const input = jsonLines<{ user: string; ms: number }>();
 * ```
 */
export function jsonLines<T = unknown>(): InputFormat<T> {
  return Object.freeze({ kind: 'jsonl' });
}

/**
 * Options of {@link csv} and {@link csvOutput}.
 *
 * @example
 * ```ts
 * const options: CsvOptions = { delimiter: ';' };
 * ```
 */
export interface CsvOptions {
  /** The field delimiter: one or more characters, not a quote or line break. @default ',' */
  readonly delimiter?: string;
}

/**
 * Options of {@link csv} input.
 *
 * @example
 * ```ts
 * const options: CsvInputOptions = { columns: ['ip', 'url', 'revenue'] };
 * ```
 */
export interface CsvInputOptions extends CsvOptions {
  /**
   * The column names, for files without a header row: every line, the first included, is a
   * record. @default the first line of each file names the columns
   */
  readonly columns?: readonly string[];
}

/**
 * Input as CSV: each line becomes an object keyed by the column names, which the first line
 * of each object gives (a header row), or `columns` for files without one. Blank lines are
 * skipped.
 *
 * Note: splits are cut at line ends, so a quoted field must not contain a line break; such a
 * row is reported as a bad record.
 *
 * @example
 * ```ts
 * const input = csv<{ city: string; temp: string }>({ delimiter: ';' });
 * const headerless = csv({ columns: ['sourceIP', 'destURL', 'adRevenue'] }); // records typed by the names
 * ```
 */
export function csv<const C extends readonly string[]>(
  options: CsvInputOptions & { readonly columns: C },
): InputFormat<{ [Name in C[number]]: string }>;
export function csv<T extends Record<string, string> = Record<string, string>>(
  options?: CsvInputOptions,
): InputFormat<T>;
export function csv(options: CsvInputOptions = {}): InputFormat<Record<string, string>> {
  const delimiter = checkDelimiter(options.delimiter ?? ',', 'csv');
  if (options.columns === undefined) return Object.freeze({ kind: 'csv', delimiter });
  return Object.freeze({ kind: 'csv', delimiter, columns: Object.freeze(checkColumns(options.columns)) });
}

function checkColumns(columns: readonly string[]): string[] {
  const fail = (problem: string): never => {
    throw new InvalidFormatError(
      `Invalid csv({ columns }): ${problem}. Name each column once, in file order.`,
    );
  };
  if (!Array.isArray(columns) || columns.length === 0) fail('give at least one column name');
  const seen = new Set<string>();
  for (const name of columns) {
    if (typeof name !== 'string') fail(`a column name is a ${typeof name}, not a string`);
    if (name === '__proto__') fail('"__proto__" cannot be a column name');
    if (seen.has(name)) fail(`column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
  return [...columns];
}

/**
 * Output as JSON Lines: `{"key":…,"value":…}` per line.
 *
 * @example
 * ```ts
 * export default defineJob({ input: lines(), map, reduce, output: jsonLinesOutput() });
 * ```
 */
export function jsonLinesOutput(): OutputFormat {
  return Object.freeze({ kind: 'jsonl' });
}

/**
 * Output as CSV with a header row. When values are plain objects their fields become columns
 * after `key` (the first record fixes the columns); otherwise the columns are `key,value`.
 *
 * @example
 * ```ts
 * const output = csvOutput({ delimiter: ';' });
 * ```
 */
export function csvOutput(options: CsvOptions = {}): OutputFormat {
  return Object.freeze({ kind: 'csv', delimiter: checkDelimiter(options.delimiter ?? ',', 'csv') });
}

/**
 * Options of {@link textOutput}.
 *
 * @example
 * ```ts
 * const options: TextOptions = { delimiter: ' ' };
 * ```
 */
export interface TextOptions {
  /** What separates key and value on each line. @default '\t' */
  readonly delimiter?: string;
}

/**
 * Output as text: `key<TAB>value` per line. Strings are written as they are, other values as
 * JSON; a string containing a line break therefore spans lines (use JSON Lines for such data).
 *
 * @example
 * ```ts
 * const output = textOutput({ delimiter: ' ' });
 * ```
 */
export function textOutput(options: TextOptions = {}): OutputFormat {
  return Object.freeze({ kind: 'text', delimiter: checkDelimiter(options.delimiter ?? '\t', 'text') });
}

function checkDelimiter(delimiter: string, kind: 'csv' | 'text'): string {
  const forbidden = kind === 'csv' ? /["\r\n]/ : /[\r\n]/;
  if (typeof delimiter !== 'string' || delimiter === '' || forbidden.test(delimiter)) {
    throw new InvalidFormatError(
      `Invalid ${kind} delimiter ${JSON.stringify(delimiter)}: use one or more characters other than ` +
        `${kind === 'csv' ? 'a double quote or ' : ''}a line break, such as ',' or '\\t'.`,
    );
  }
  return delimiter;
}
