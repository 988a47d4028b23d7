import { parse as parseCsv } from 'csv-parse/sync';
import type { ItemReaderDefinition } from './asl.js';
import { StatesError } from './errors.js';
import { requirePath } from './paths.js';
import type { Runtime } from './runtime.js';
import { type EvalEnv, evaluateTemplate } from './template.js';

const DELIMITERS = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' } as const;

function failed(what: string, cause?: unknown): never {
  throw new StatesError('States.ItemReaderFailed', what, { cause });
}

function jsonItems(text: string, where: string): unknown[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (cause) {
    return failed(`${where} is not valid JSON: ${(cause as Error).message}`, cause);
  }
  if (!Array.isArray(items)) failed(`${where} must hold a JSON array of items`);
  return items;
}

function jsonLinesItems(text: string, where: string): unknown[] {
  const items: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (cause) {
      failed(`${where} line ${i + 1} is not valid JSON: ${(cause as Error).message}`, cause);
    }
  }
  return items;
}

function csvItems(
  text: string,
  where: string,
  config: NonNullable<ItemReaderDefinition['ReaderConfig']>,
): unknown[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, {
      delimiter: DELIMITERS[config.CSVDelimiter ?? 'COMMA'],
      relax_column_count: true,
      skip_empty_lines: true,
    });
  } catch (cause) {
    return failed(`${where} is not valid CSV: ${(cause as Error).message}`, cause);
  }
  const given = config.CSVHeaderLocation === 'GIVEN';
  const headers = given ? [...(config.CSVHeaders ?? [])] : (rows.shift() ?? []);
  if (headers.length === 0)
    failed(`${where}: the CSV has no header row (CSVHeaderLocation ${given ? 'GIVEN' : 'FIRST_ROW'})`);
  if (new Set(headers).size !== headers.length) failed(`${where}: CSV headers cannot contain duplicates`);
  return rows.map((row) => Object.fromEntries(headers.map((h, i) => [h, row[i] ?? ''])));
}

/**
 * Reads the items of a Distributed Map from a Store (`arn:aws:states:::s3:getObject`):
 * `Parameters.Bucket` picks the Store, `Parameters.Key` the object, `ReaderConfig.InputType`
 * its format: `JSON` (an array), `JSONL` (one value per line) or `CSV` (each row an object of
 * strings keyed by the header row, `CSVHeaderLocation: FIRST_ROW`, or by `CSVHeaders`,
 * `GIVEN`). `MaxItems` / `MaxItemsPath` keep the first items. Failures are
 * `States.ItemReaderFailed`.
 *
 * @example
 * ```ts
 * const items = await readItems(state.ItemReader, input, env, rt);
 * ```
 */
export async function readItems(
  reader: ItemReaderDefinition,
  input: unknown,
  env: EvalEnv,
  rt: Runtime,
): Promise<unknown[]> {
  const params = (evaluateTemplate(reader.Parameters ?? {}, input, env) ?? {}) as {
    Bucket?: unknown;
    Key?: unknown;
  };
  const { Bucket, Key } = params;
  if (typeof Bucket !== 'string' || typeof Key !== 'string')
    failed('ItemReader.Parameters need "Bucket" and "Key" strings');
  if (!rt.stores) failed(`No store is configured for bucket "${Bucket}": pass \`stores\` to new Engine()`);
  const where = `s3://${Bucket}/${Key}`;
  let text: string;
  try {
    text = (await rt.stores(Bucket).get(Key)).toString('utf8').replace(/^\uFEFF/, '');
  } catch (cause) {
    return failed(`Cannot read ${where}: ${(cause as Error).message}`, cause);
  }
  const config = reader.ReaderConfig ?? {};
  const type = config.InputType ?? 'JSON';
  const items =
    type === 'CSV'
      ? csvItems(text, where, config)
      : type === 'JSONL'
        ? jsonLinesItems(text, where)
        : jsonItems(text, where);
  const max = config.MaxItemsPath
    ? requirePath(config.MaxItemsPath, input, env.context, 'MaxItemsPath')
    : config.MaxItems;
  if (max === undefined || max === 0) return items;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0)
    failed(`MaxItems must be a positive integer, got ${JSON.stringify(max)}`);
  return items.slice(0, max);
}
