// Readings of a CloudFormation template made by `serverless package`, shared by the template
// tests of this repository's serverless.yml and of a project made by `stepmr init`: references
// resolved to the values they take once deployed, IAM policies evaluated by a plain reading of
// IAM's rules, and the state machine's definition with its function ARNs in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BUCKET_LAYOUT } from '../../framework/deploy/layout.js';
import type { DeployedStream } from '../../framework/deploy/streams.js';

// biome-ignore lint/suspicious/noExplicitAny: the checks walk generated CloudFormation JSON
export type J = any;

/** Where a template is taken to be deployed. */
export interface Deployment {
  readonly region: string;
  readonly account: string;
  /** The physical name CloudFormation would give the data bucket; any name will do. */
  readonly bucket: string;
}

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
  readonly Principal?: unknown;
}

/**
 * Runs `serverless package` (`command` is how: node and the serverless script, or npx) in a
 * project folder into a new temporary folder, and returns the template it wrote and that folder.
 */
export function packageTemplate(options: {
  readonly cwd: string;
  readonly command: readonly string[];
  readonly stage: string;
  readonly region: string;
  readonly env?: NodeJS.ProcessEnv;
}): { template: J; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stepmr-package-'));
  const [bin = '', ...args] = options.command;
  const r = spawnSync(
    bin,
    [...args, 'package', '--stage', options.stage, '--region', options.region, '--package', dir],
    { cwd: options.cwd, encoding: 'utf8', timeout: 170_000, env: options.env ?? process.env },
  );
  if (r.status !== 0) {
    throw new Error(`serverless package failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  return { template, dir };
}

export const list = <T>(x: T | readonly T[] | undefined): T[] =>
  x === undefined ? [] : Array.isArray(x) ? [...x] : [x as T];

/** An IAM wildcard pattern (`*`, `?`) as a regular expression. */
export const glob = (pattern: string, flags = '') =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    flags,
  );

/** A template read as deployed at `at`. */
export function readTemplate(template: J, at: Deployment) {
  const bucketArn = `arn:aws:s3:::${at.bucket}`;
  const resources = (type: string): [string, J][] =>
    Object.entries(template.Resources as Record<string, J>).filter(([, r]) => r.Type === type);

  /** What `Fn::GetAtt [<id>, Arn]` is once deployed: the ARN of the function named in the template. */
  function functionArn(logicalId: string): string {
    const fn = template.Resources[logicalId];
    if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${logicalId} is not a function`);
    return `arn:aws:lambda:${at.region}:${at.account}:function:${fn.Properties.FunctionName}`;
  }

  /** The deployed value of a reference (`AWS::Region`, `DataBucket`, `MapLambdaFunction.Arn`). */
  function reference(name: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': at.region,
      'AWS::AccountId': at.account,
      DataBucket: at.bucket,
      'DataBucket.Arn': bucketArn,
    };
    const found = pseudo[name];
    if (found !== undefined) return found;
    const fn = /^(\w+LambdaFunction)\.Arn$/.exec(name);
    if (fn?.[1]) return functionArn(fn[1]);
    // A queue's physical name is CloudFormation's to make; its logical id will do.
    const queue = /^(\w+)\.Arn$/.exec(name)?.[1];
    if (queue && template.Resources[queue]?.Type === 'AWS::SQS::Queue') {
      return `arn:aws:sqs:${at.region}:${at.account}:${queue}`;
    }
    throw new Error(`the test cannot resolve \${${name}}`);
  }

  /** The deployed string of a policy value: a literal, `Fn::Sub`, `Fn::GetAtt` or `Ref`. */
  function resolve(value: unknown): string {
    if (typeof value === 'string') return value;
    const v = value as J;
    if (typeof v?.['Fn::Sub'] === 'string') {
      return v['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_: string, name: string) => reference(name));
    }
    if (Array.isArray(v?.['Fn::GetAtt'])) return reference(v['Fn::GetAtt'].join('.'));
    if (typeof v?.Ref === 'string') return reference(v.Ref);
    throw new Error(`the test cannot resolve ${JSON.stringify(value)}`);
  }

  const roleStatements = (roleId: string): Statement[] =>
    list(template.Resources[roleId]?.Properties.Policies as J[]).flatMap((p) =>
      list(p.PolicyDocument.Statement as Statement[]),
    );

  /** IAM's StringLike, StringEquals and ArnLike (every key must match one of its values). */
  function conditionHolds(condition: Statement['Condition'], context: Record<string, string>): boolean {
    return Object.entries(condition ?? {}).every(([operator, keys]) => {
      const like = operator === 'StringLike' || operator === 'ArnLike';
      if (!like && operator !== 'StringEquals') throw new Error(`the test does not evaluate ${operator}`);
      return Object.entries(keys).every(([key, values]) => {
        const value = context[key];
        const patterns = list(values as unknown).map(resolve);
        return value !== undefined && patterns.some((p) => (like ? glob(p).test(value) : p === value));
      });
    });
  }

  /** Whether the role's policies allow `action` on `resource` (a plain reading of IAM's rules). */
  function allowed(roleId: string, action: string, resource: string, context: Record<string, string> = {}) {
    const statements = roleStatements(roleId);
    const matches = (s: Statement) =>
      list(s.Action).some((a) => glob(a, 'i').test(action)) &&
      list(s.Resource).some((r) => glob(resolve(r)).test(resource)) &&
      conditionHolds(s.Condition, context);
    return (
      statements.some((s) => s.Effect === 'Allow' && matches(s)) &&
      !statements.some((s) => s.Effect === 'Deny' && matches(s))
    );
  }

  /** `Fn::Sub [text, vars]` with each var that is `Fn::GetAtt [<function>, Arn]` replaced by its ARN. */
  function resolveDefinition(): { definition: J; text: string } {
    const sub = template.Resources.JobsStateMachine.Properties.DefinitionString['Fn::Sub'];
    const [text, vars] = sub as [string, Record<string, { 'Fn::GetAtt': [string, string] }>];
    let resolved = text;
    for (const [name, value] of Object.entries(vars)) {
      const [id, attribute] = value['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      resolved = resolved.replaceAll(`\${${name}}`, functionArn(id));
    }
    return { definition: JSON.parse(resolved), text: resolved };
  }

  return {
    bucketArn,
    resources,
    functionArn,
    reference,
    resolve,
    roleStatements,
    conditionHolds,
    allowed,
    resolveDefinition,
  };
}

export type TemplateReader = ReturnType<typeof readTemplate>;

/**
 * A definition as serverless-step-functions deploys it with `validate: true`: its asl-validator
 * (3.x) sets every state's `QueryLanguage` to the default, JSONPath, in place. Same semantics.
 */
export function withDefaultQueryLanguage(definition: J): J {
  const copy = structuredClone(definition);
  const visit = (states: Record<string, J>) => {
    for (const state of Object.values(states)) {
      state.QueryLanguage ??= 'JSONPath';
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
      if (state.Iterator) visit(state.Iterator.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(copy.States);
  return copy;
}

/** What each role may do in the data bucket, by design: the prefixes (`''`: anywhere) per action. */
const W = BUCKET_LAYOUT.work;

/**
 * The trigger function's design: each stream's source, checkpoint and results; plans under
 * work/; deleting in its checkpoint and its old states (update mode's snapshots, a windowed
 * stream's open windows), nothing else of its results.
 */
function triggerDesign(streams: readonly DeployedStream[]): Record<string, string[]> {
  const read = streams.flatMap((s) => [s.prefix, s.checkpoint, s.output]);
  const states = streams.flatMap((s) =>
    s.state === 'snapshot' ? [`${s.output}snapshot=`] : s.state === 'windows' ? [`${s.output}_state/`] : [],
  );
  return {
    GetObject: read,
    PutObject: streams.length ? [...streams.map((s) => s.checkpoint), W] : [],
    DeleteObject: [...streams.map((s) => s.checkpoint), ...states],
    ListBucket: streams.length ? [...read, W] : [],
  };
}
/** The reduce function: its job's working objects, and the state of stream batches. */
function reduceDesign(streams: readonly DeployedStream[]): Record<string, string[]> {
  const snapshots = streams.filter((s) => s.state === 'snapshot').map((s) => `${s.output}snapshot=`);
  const windows = streams.filter((s) => s.state === 'windows').map((s) => `${s.output}_state/`);
  return {
    GetObject: [W, ...snapshots, ...windows],
    PutObject: [W, ...windows],
    DeleteObject: [],
    ListBucket: [W],
  };
}
const O = BUCKET_LAYOUT.output;
const ANYWHERE = '';
export const DESIGN: Record<string, Record<string, string[]>> = {
  MapRole: { GetObject: [ANYWHERE], PutObject: [W], DeleteObject: [], ListBucket: [W] },
  ReduceRole: { GetObject: [W], PutObject: [W], DeleteObject: [], ListBucket: [W] },
  DelegateRole: { GetObject: [W], PutObject: [W], DeleteObject: [], ListBucket: [W] },
  CollectRole: { GetObject: [W, O], PutObject: [W, O], DeleteObject: [W, O], ListBucket: [W, O] },
  SchedulerRole: { GetObject: [ANYWHERE], PutObject: [W], DeleteObject: [], ListBucket: [ANYWHERE] },
  TriggerRole: triggerDesign([]),
  StateMachineRole: { GetObject: [W], PutObject: [W], DeleteObject: [], ListBucket: [W] },
};
export const S3_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:ListBucket',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];
export const KEYS = [
  '',
  'work/',
  'work/job-1/job.json',
  'work/job-1/shuffle/map-00001.bin',
  'out/',
  'out/wordcount/2026-12-01/part-00000.jsonl',
  'in/corpus/a.txt',
  'workshop/notes.txt',
  'output/x',
  'job.json',
  'streams/',
];

/**
 * Expects `role` to reach the data bucket exactly where {@link DESIGN} says (the trigger
 * function: where the deployed `streams` need), and no other bucket.
 */
export function expectRoleAsDesigned(
  read: TemplateReader,
  role: string,
  streams: readonly DeployedStream[] = [],
): void {
  const design =
    (role === 'TriggerRole'
      ? triggerDesign(streams)
      : role === 'ReduceRole'
        ? reduceDesign(streams)
        : DESIGN[role]) ?? {};
  const keys = [
    ...KEYS,
    ...streams.flatMap((s) => [
      `${s.prefix}a.jsonl`,
      `${s.checkpoint}offsets/0000000000`,
      `${s.output}batch=0000000000/_SUCCESS`,
      `${s.output}snapshot=0000000000/part-00000.jsonl`,
      `${s.output}_state/batch=0000000000/part-00000.jsonl`,
    ]),
  ];
  const under = (prefixes: string[] | undefined, key: string) =>
    (prefixes ?? []).some((p) => key.startsWith(p));
  for (const key of keys) {
    const object = `${read.bucketArn}/${key}`;
    for (const action of ['GetObject', 'PutObject', 'DeleteObject']) {
      expect(read.allowed(role, `s3:${action}`, object), `${action} ${key}`).toBe(under(design[action], key));
    }
    // A multipart upload needs its abort and part listing wherever the role may put objects.
    for (const action of ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts']) {
      expect(read.allowed(role, action, object), `${action} ${key}`).toBe(under(design.PutObject, key));
    }
    expect(
      read.allowed(role, 's3:ListBucket', read.bucketArn, { 's3:prefix': key }),
      `ListBucket prefix=${JSON.stringify(key)}`,
    ).toBe(under(design.ListBucket, key));
    expect(read.allowed(role, 's3:GetObject', `arn:aws:s3:::another-bucket/${key}`), key).toBe(false);
  }
}
