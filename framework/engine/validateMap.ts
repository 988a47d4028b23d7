import type { MapState } from './asl.js';
import { checkEnum, checkExclusive, checkFields, DISTRIBUTED_ONLY } from './fields.js';
import { compilePath } from './paths.js';
import { compileTemplate } from './template.js';

type Fail = (what: string) => never;
type Obj = Record<string, unknown>;

const MAP_PATHS = [
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
] as const;

/** Runs `check`, turning a DefinitionError from a deeper module into one that names the field. */
export type FieldCheck = (fail: Fail, name: string, check: () => unknown) => void;

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An optional sub-object: absent, or an object whose fields are all in `allowed`. */
function sub(value: unknown, name: string, allowed: readonly string[], fail: Fail): Obj | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail(`"${name}" must be an object`);
  checkFields(value, allowed, `"${name}"`, (what) => fail(`${name}: ${what}`));
  checkExclusive(value, (what) => fail(`${name}: ${what}`));
  return value;
}

function checkReader(state: MapState, fail: Fail, field: FieldCheck): void {
  const reader = sub(state.ItemReader, 'ItemReader', ['Resource', 'Parameters', 'ReaderConfig'], fail);
  if (!reader) return;
  if (reader.Resource !== 'arn:aws:states:::s3:getObject') {
    fail(
      `ItemReader.Resource "${String(reader.Resource)}" is not supported by the embedded engine; use "arn:aws:states:::s3:getObject"`,
    );
  }
  field(fail, 'ItemReader.Parameters', () => compileTemplate(reader.Parameters));
  const config = sub(
    reader.ReaderConfig,
    'ItemReader.ReaderConfig',
    ['InputType', 'CSVHeaderLocation', 'CSVHeaders', 'CSVDelimiter', 'MaxItems', 'MaxItemsPath'],
    fail,
  );
  if (!config) return;
  checkEnum('InputType', config.InputType, ['JSON', 'JSONL', 'CSV'], ['MANIFEST', 'PARQUET'], fail);
  checkEnum('CSVHeaderLocation', config.CSVHeaderLocation, ['FIRST_ROW', 'GIVEN'], [], fail);
  checkEnum('CSVDelimiter', config.CSVDelimiter, ['COMMA', 'PIPE', 'SEMICOLON', 'SPACE', 'TAB'], [], fail);
  if (typeof config.MaxItemsPath === 'string') {
    field(fail, 'ItemReader.ReaderConfig.MaxItemsPath', () => compilePath(config.MaxItemsPath as string));
  }
}

function checkBatcherAndWriter(state: MapState, fail: Fail, field: FieldCheck): void {
  const batcher = sub(
    state.ItemBatcher,
    'ItemBatcher',
    [
      'MaxItemsPerBatch',
      'MaxItemsPerBatchPath',
      'MaxInputBytesPerBatch',
      'MaxInputBytesPerBatchPath',
      'BatchInput',
    ],
    fail,
  );
  for (const f of ['MaxItemsPerBatchPath', 'MaxInputBytesPerBatchPath']) {
    const path = batcher?.[f];
    if (typeof path === 'string') field(fail, `ItemBatcher.${f}`, () => compilePath(path));
  }
  field(fail, 'ItemBatcher.BatchInput', () => compileTemplate(batcher?.BatchInput));
  const writer = sub(state.ResultWriter, 'ResultWriter', ['Resource', 'Parameters', 'WriterConfig'], fail);
  if (writer?.Resource !== undefined && writer.Resource !== 'arn:aws:states:::s3:putObject') {
    fail(
      `ResultWriter.Resource "${String(writer.Resource)}" is not supported by the embedded engine; use "arn:aws:states:::s3:putObject"`,
    );
  }
  field(fail, 'ResultWriter.Parameters', () => compileTemplate(writer?.Parameters));
  const config = sub(
    writer?.WriterConfig,
    'ResultWriter.WriterConfig',
    ['Transformation', 'OutputType'],
    fail,
  );
  checkEnum('Transformation', config?.Transformation, ['NONE', 'COMPACT', 'FLATTEN'], [], fail);
  checkEnum('OutputType', config?.OutputType, ['JSON'], ['JSONL'], fail);
}

/**
 * Checks the Map-only parts of a Map state: its processor (`ItemProcessor` with
 * `ProcessorConfig`, or the legacy `Iterator`, validated by `check`), the fields that need
 * DISTRIBUTED mode, and the fields of ItemReader, ItemBatcher and ResultWriter.
 *
 * @example
 * ```ts
 * checkMap(state, 'EachSplit', fail, field, validateMachine);
 * ```
 */
export function checkMap(
  state: MapState,
  name: string,
  fail: Fail,
  field: FieldCheck,
  check: (definition: unknown, where: string) => void,
): void {
  if (state.ItemProcessor && state.Iterator)
    fail('give "ItemProcessor" or its legacy name "Iterator", not both');
  if (state.ItemSelector !== undefined && state.Parameters !== undefined) {
    fail('give "ItemSelector" or its legacy name "Parameters", not both');
  }
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!isObject(processor)) fail('a Map state needs "ItemProcessor" (or "Iterator")');
  const key = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
  checkFields(
    processor as unknown as Obj,
    key === 'ItemProcessor'
      ? ['StartAt', 'States', 'Comment', 'ProcessorConfig']
      : ['StartAt', 'States', 'Comment'],
    `"${key}"`,
    (what) => fail(`${key}: ${what}`),
  );
  const config = sub(processor.ProcessorConfig, 'ProcessorConfig', ['Mode', 'ExecutionType'], fail);
  checkEnum('ProcessorConfig.Mode', config?.Mode, ['INLINE', 'DISTRIBUTED'], [], fail);
  checkEnum('ProcessorConfig.ExecutionType', config?.ExecutionType, ['EXPRESS', 'STANDARD'], [], fail);
  if (config?.Mode !== 'DISTRIBUTED') {
    for (const f of DISTRIBUTED_ONLY) {
      if (state[f] !== undefined) {
        fail(
          `"${f}" is only valid in a Distributed Map: set ItemProcessor.ProcessorConfig.Mode "DISTRIBUTED"`,
        );
      }
    }
  }
  for (const f of MAP_PATHS) {
    const path = state[f];
    if (typeof path === 'string') field(fail, f, () => compilePath(path));
  }
  checkReader(state, fail, field);
  checkBatcherAndWriter(state, fail, field);
  const { StartAt, States } = processor;
  check({ StartAt, States }, ` in the ${key} of state "${name}"`);
}
