import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * AWS's own service models, as botocore (the AWS CLI's library) ships them: an independent
 * statement of every response shape, its required members, enums and timestamp types.
 */

interface Shape {
  readonly type: string;
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, { readonly shape: string }>>;
  readonly member?: { readonly shape: string };
  readonly enum?: readonly string[];
}

/** One service's model. */
export interface ServiceModel {
  readonly operations: Readonly<Record<string, { output?: { shape: string } }>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

let botocoreDir: string | undefined;

/** The model of a service (`stepfunctions`, `cloudformation`), newest API version. */
export function serviceModel(service: string, version: string): ServiceModel {
  botocoreDir ??= execFileSync(
    'python3',
    ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'],
    { encoding: 'utf8' },
  ).trim();
  const path = join(botocoreDir, 'data', service, version, 'service-2.json.gz');
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as ServiceModel;
}

/**
 * Where `value` breaks shape `name` of the model: missing required members, members the model
 * does not have, values outside an enum, wrong types. `wire` values are raw AWS JSON 1.0
 * (timestamps are epoch seconds); otherwise values as an SDK parsed them (timestamps are Dates).
 */
export function shapeProblems(
  model: ServiceModel,
  name: string,
  value: unknown,
  wire: boolean,
  at = '$',
): string[] {
  const shape = model.shapes[name];
  if (!shape) return [`${at}: the model has no shape ${name}`];
  if (value === undefined || value === null) return [];
  const problems: string[] = [];
  const bad = (what: string) => problems.push(`${at}: ${what} (shape ${name})`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object (shape ${name})`];
      const record = value as Record<string, unknown>;
      for (const field of shape.required ?? []) if (record[field] === undefined) bad(`missing ${field}`);
      for (const [field, v] of Object.entries(record)) {
        if (field === '$metadata') continue;
        const member = shape.members?.[field];
        if (!member) bad(`unknown member ${field}`);
        else problems.push(...shapeProblems(model, member.shape, v, wire, `${at}.${field}`));
      }
      break;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${at}: not a list (shape ${name})`];
      value.forEach((v, i) => {
        problems.push(...shapeProblems(model, shape.member?.shape ?? '', v, wire, `${at}[${i}]`));
      });
      break;
    case 'string':
      if (typeof value !== 'string') bad(`not a string: ${JSON.stringify(value)}`);
      else if (shape.enum && !shape.enum.includes(value))
        bad(`${value} is not one of ${shape.enum.join(', ')}`);
      break;
    case 'timestamp':
      if (wire ? typeof value !== 'number' : !(value instanceof Date))
        bad(`not a timestamp: ${String(value)}`);
      break;
    case 'integer':
    case 'long':
      if (!Number.isInteger(value)) bad(`not an integer: ${String(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') bad(`not a boolean: ${String(value)}`);
      break;
  }
  return problems;
}

/** Where an operation's response breaks the model's output shape. */
export function outputProblems(
  model: ServiceModel,
  operation: string,
  value: unknown,
  wire: boolean,
): string[] {
  const shape = model.operations[operation]?.output?.shape;
  if (!shape) return [`the model has no operation ${operation}`];
  return shapeProblems(model, shape, value, wire);
}
