/**
 * Which fields a definition may hold, per object: the Amazon States Language specification
 * and AWS's Step Functions guide (JSONPath states), less what the embedded engine does not run.
 * A field outside these lists is refused, never ignored: a misspelt or unsupported field would
 * otherwise run differently here than on AWS.
 */

type Fail = (what: string) => never;
type Obj = Record<string, unknown>;

/** Fields a Map may hold only in DISTRIBUTED mode (AWS's guide, Distributed Map state). */
export const DISTRIBUTED_ONLY = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'Label',
] as const;

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const FLOW = ['Next', 'End'];
const IO = ['InputPath', 'OutputPath'];
const RESULT = ['Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'];

/** The JSONPath fields of each state type. */
const STATE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pass: [...COMMON, ...FLOW, ...IO, 'Parameters', 'ResultPath', 'Result'],
  Task: [
    ...COMMON,
    ...FLOW,
    ...IO,
    ...RESULT,
    'Resource',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
  ],
  Choice: [...COMMON, ...IO, 'Choices', 'Default'],
  Wait: [...COMMON, ...FLOW, ...IO, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: [...COMMON, ...IO],
  Fail: [...COMMON, 'Error', 'ErrorPath', 'Cause', 'CausePath'],
  Parallel: [...COMMON, ...FLOW, ...IO, ...RESULT, 'Branches'],
  Map: [
    ...COMMON,
    ...FLOW,
    ...IO,
    ...RESULT,
    'ItemsPath',
    'ItemSelector',
    'ItemProcessor',
    'Iterator',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    ...DISTRIBUTED_ONLY,
  ],
};

/** JSONata-only fields, with what a JSONPath state uses instead. */
const JSONATA_ONLY: Readonly<Record<string, string>> = {
  Output: 'OutputPath (and ResultSelector)',
  Arguments: 'Parameters',
  Items: 'ItemsPath',
  Condition: '"Variable" with a comparison operator',
};

/** States-language fields the embedded engine does not run, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  Assign:
    'workflow variables are not implemented; carry the value in the state input (ResultPath) and read it with a "$." path',
  Credentials:
    'cross-account Task credentials are not implemented; the engine invokes functions through its own invoker',
  ManifestType: 'S3 inventory manifests are not implemented; use InputType JSON, JSONL or CSV',
};

/**
 * Refuses any field of `obj` outside `allowed`: a JSONata-only field, one this engine does not
 * run, or one the language does not define for `what`, each with its own message; `shown`
 * describes the allowed fields in that last message.
 *
 * @example
 * ```ts
 * checkFields({ Retry: [], Rerty: [] }, ['Retry'], 'a Task state', fail); // fails: unknown field "Rerty"
 * ```
 */
export function checkFields(
  obj: Obj,
  allowed: readonly string[],
  what: string,
  fail: Fail,
  shown: string = allowed.join(', '),
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const instead = JSONATA_ONLY[key];
    if (instead) {
      fail(
        `field "${key}" belongs to JSONata states, and this state uses JSONPath (the only query language the embedded engine runs); use ${instead}`,
      );
    }
    const why = UNSUPPORTED[key];
    if (why) fail(`field "${key}" is not supported by the embedded engine: ${why}`);
    fail(
      `unknown field "${key}": the Amazon States Language defines no such field for ${what} (its fields are ${shown}); remove it or correct its name`,
    );
  }
}

/**
 * Checks the fields of a state of a known `Type`, and its `QueryLanguage`.
 *
 * @example
 * ```ts
 * checkStateFields({ Type: 'Fail', InputPath: '$.a' }, fail); // fails: a Fail state has no InputPath
 * ```
 */
export function checkStateFields(state: Obj, fail: Fail): void {
  const type = state.Type as string;
  checkFields(state, STATE_FIELDS[type] ?? COMMON, `a ${type} state`, fail);
  checkQueryLanguage(state.QueryLanguage, fail);
}

/**
 * `QueryLanguage`: absent or `JSONPath`; `JSONata` is valid ASL but not run here.
 *
 * @example
 * ```ts
 * checkQueryLanguage('JSONata', fail); // fails: not supported by the embedded engine
 * ```
 */
export function checkQueryLanguage(value: unknown, fail: Fail): void {
  if (value === undefined || value === 'JSONPath') return;
  if (value === 'JSONata') {
    fail('"QueryLanguage" JSONata is not supported by the embedded engine; write the states in JSONPath');
  }
  fail(`"QueryLanguage" must be "JSONPath" or "JSONata", not ${JSON.stringify(value)}`);
}

/**
 * Checks a field that must be one of `values`; `unsupported` ones are valid ASL the engine
 * does not run.
 *
 * @example
 * ```ts
 * checkEnum('ReaderConfig.InputType', 'PARQUET', ['JSON', 'JSONL', 'CSV'], ['MANIFEST', 'PARQUET'], fail);
 * ```
 */
export function checkEnum(
  name: string,
  value: unknown,
  values: readonly string[],
  unsupported: readonly string[],
  fail: Fail,
): void {
  if (value === undefined || values.includes(value as string)) return;
  if (unsupported.includes(value as string)) {
    fail(`"${name}" ${String(value)} is not supported by the embedded engine; use ${values.join(', ')}`);
  }
  fail(`"${name}" must be one of ${values.join(', ')}, not ${JSON.stringify(value)}`);
}

/** A field and its `…Path` twin, of which at most one may be given. */
const EXCLUSIVE = [
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'MaxConcurrency',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
  'Error',
  'Cause',
  'MaxItems',
  'MaxItemsPerBatch',
  'MaxInputBytesPerBatch',
];

/**
 * Refuses a field given together with its `…Path` form (`TimeoutSeconds` and
 * `TimeoutSecondsPath`), which the language forbids.
 *
 * @example
 * ```ts
 * checkExclusive({ MaxItems: 1, MaxItemsPath: '$.n' }, fail); // fails
 * ```
 */
export function checkExclusive(obj: Obj, fail: Fail): void {
  for (const f of EXCLUSIVE) {
    if (obj[f] !== undefined && obj[`${f}Path`] !== undefined) {
      fail(`"${f}" and "${f}Path" cannot both be given; keep one`);
    }
  }
}
