// `serverless package` of the real serverless.yml, checked against independent readings of what
// it is built from: the state machine definition against buildDefinition, the functions against
// serverless.yml, the schedules against stepmr.config.ts, and IAM by evaluating the policies.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduledEvent } from '../../framework/contract/events.js';
import { BUCKET_LAYOUT } from '../../framework/deploy/layout.js';
import { deployedStreams } from '../../framework/deploy/streams.js';
import { validateDefinition } from '../../framework/engine/index.js';
import { buildDefinition } from '../../framework/statemachine/buildDefinition.js';
import config from '../../stepmr.config.js';
import {
  DESIGN,
  expectRoleAsDesigned,
  glob,
  type J,
  list,
  packageTemplate,
  readTemplate,
  S3_ACTIONS,
  type Statement,
  type TemplateReader,
  withDefaultQueryLanguage,
} from './templateChecks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STAGE = 'test';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** The physical name CloudFormation would give the data bucket; any name will do. */
const BUCKET = 'stepmr-test-databucket-1a2b3c4d5e6f';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

let dir = '';
let template: J;
let read: TemplateReader;

beforeAll(() => {
  ({ template, dir } = packageTemplate({
    cwd: ROOT,
    command: [process.execPath, join(ROOT, 'node_modules/osls/bin/serverless.js')],
    stage: STAGE,
    region: REGION,
  }));
  read = readTemplate(template, { region: REGION, account: ACCOUNT, bucket: BUCKET });
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const resources = (type: string) => read.resources(type);
const functionArn = (logicalId: string) => read.functionArn(logicalId);
const resolve = (value: unknown) => read.resolve(value);
const roleStatements = (roleId: string) => read.roleStatements(roleId);
const allowed = (...args: Parameters<TemplateReader['allowed']>) => read.allowed(...args);
const resolveDefinition = () => read.resolveDefinition();
const conditionHolds = (...args: Parameters<TemplateReader['conditionHolds']>) =>
  read.conditionHolds(...args);

describe('serverless package: the state machine', () => {
  it('deploys exactly the definition buildDefinition makes for the stack functions', () => {
    const { definition, text } = resolveDefinition();
    // Fn::Sub would try to resolve any placeholder left over, and fail the deploy.
    expect(text).not.toContain('${');
    const arn = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:stepmr-${STAGE}-${fn}`;
    const expected = buildDefinition({
      functions: {
        map: arn('map'),
        reduce: arn('reduce'),
        delegate: arn('delegate'),
        collect: arn('collect'),
      },
    });
    expect(definition).toEqual(withDefaultQueryLanguage(expected));
  });

  it('passes asl-validator once the function ARNs are in', () => {
    const result = aslValidator(resolveDefinition().definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('is accepted as read back by the embedded engine, which refuses what it does not run', () => {
    expect(() => validateDefinition(resolveDefinition().definition)).not.toThrow();
  });

  it('runs as StateMachineRole, which may invoke every function the definition calls', () => {
    const machine = template.Resources.JobsStateMachine;
    expect(machine.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['StateMachineRole', 'Arn'] });
    const called = new Set<string>();
    JSON.stringify(resolveDefinition().definition, (key, value) => {
      if (key === 'FunctionName') called.add(value);
      return value;
    });
    expect(called.size).toBe(4);
    for (const fn of called) expect(allowed('StateMachineRole', 'lambda:InvokeFunction', fn)).toBe(true);
  });
});

describe('serverless package: IAM', () => {
  const allStatements = (): [string, Statement][] => [
    ...resources('AWS::IAM::Role').flatMap(([id]) =>
      roleStatements(id).map((s): [string, Statement] => [id, s]),
    ),
    ...list(template.Resources.DataBucketPolicy.Properties.PolicyDocument.Statement as Statement[]).map(
      (s): [string, Statement] => ['DataBucketPolicy', s],
    ),
  ];

  it('has one role per function and one for the state machine, with no managed policies', () => {
    const roles = resources('AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(Object.keys(DESIGN).sort());
    for (const [, role] of roles) expect(list(role.Properties.ManagedPolicyArns)).toEqual([]);
  });

  // The one exception to "no `*` resource": the log delivery actions Step Functions needs to
  // send the state machine's errors to CloudWatch Logs are permission-only actions, with no
  // resource type, so IAM takes no resource but `*` for them (Service Authorization Reference,
  // CloudWatch Logs; Step Functions Developer Guide, "Logging using CloudWatch Logs").
  const STAR_RESOURCE_EXCEPTION = {
    role: 'StateMachineRole',
    actions: [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
    ],
  };

  it('grants a `*` resource only for the log delivery actions, which take no other', () => {
    const starred: string[] = [];
    for (const [where, s] of allStatements()) {
      if (s.Effect !== 'Allow') continue;
      const resolved = list(s.Resource).map(resolve);
      // `*`, or a wildcard account or region, is "every resource".
      const every = resolved.some((r) => r === '*' || /^arn:aws:[^:]*:(\*|[^:]*:\*):/.test(r));
      if (!every) continue;
      expect(where).toBe(STAR_RESOURCE_EXCEPTION.role);
      expect(resolved).toEqual(['*']);
      starred.push(...list(s.Action));
    }
    expect(starred.sort()).toEqual([...STAR_RESOURCE_EXCEPTION.actions].sort());
    // Every other logs action stays in this account and region.
    for (const [where, s] of allStatements()) {
      if (!list(s.Action).some((a) => a.startsWith('logs:'))) continue;
      for (const r of list(s.Resource).map(resolve)) {
        if (r !== '*') expect(r, where).toMatch(new RegExp(`^arn:aws:logs:${REGION}:${ACCOUNT}:log-group:`));
      }
    }
  });

  it('grants no S3 or Lambda action on every resource, and no wildcard action', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const [where, s] of statements) {
      expect(s, where).not.toHaveProperty('NotAction');
      expect(s, where).not.toHaveProperty('NotResource');
      const actions = list(s.Action);
      if (s.Effect === 'Allow') {
        for (const a of actions) expect(a, where).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/i);
      }
      if (!actions.some((a) => /^(s3|lambda):/i.test(a))) continue;
      const raw = list(s.Resource);
      expect(raw.length, where).toBeGreaterThan(0);
      for (const r of raw.map(resolve)) {
        expect(['*', 'arn:aws:s3:::*', 'arn:aws:s3:::*/*', 'arn:aws:lambda:*'], where).not.toContain(r);
        // No wildcard in a bucket or function name (a function's `:*` versions are fine).
        expect(r, where).not.toMatch(/^arn:aws:s3:::[^/]*\*/);
        expect(r, where).not.toMatch(/^arn:aws:lambda:[^:]*:[^:]*:function:[^:]*\*/);
      }
    }
  });

  it('lets only the state machine invoke the stack functions, and only map, reduce, delegate and collect', () => {
    const invokable = new Set<string>();
    const byDelegate = new Set<string>();
    for (const [where, s] of allStatements()) {
      if (!list(s.Action).some((a) => a.startsWith('lambda:'))) continue;
      expect(['StateMachineRole', 'DelegateRole']).toContain(where);
      const into = where === 'StateMachineRole' ? invokable : byDelegate;
      for (const r of list(s.Resource)) into.add(resolve(r).replace(/:\*$/, ''));
    }
    expect([...invokable].sort()).toEqual(
      ['MapLambdaFunction', 'ReduceLambdaFunction', 'DelegateLambdaFunction', 'CollectLambdaFunction']
        .map(functionArn)
        .sort(),
    );
    // The delegate function invokes exactly the functions stepmr.config.ts names, none of the stack's.
    const named = (config.delegates?.functions ?? []).map((f) =>
      f.startsWith('arn:') ? f : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${f}`,
    );
    expect([...byDelegate].sort()).toEqual(named.sort());
    for (const fn of ['Map', 'Reduce', 'Delegate', 'Collect', 'Scheduler']) {
      expect(allowed('DelegateRole', 'lambda:InvokeFunction', functionArn(`${fn}LambdaFunction`))).toBe(
        false,
      );
    }
    expect(allowed('StateMachineRole', 'lambda:InvokeFunction', functionArn('SchedulerLambdaFunction'))).toBe(
      false,
    );
  });

  it('lets only the delegate function invoke APIs, and only those stepmr.config.ts names', () => {
    const apis = config.delegates?.apis ?? [];
    expect(apis.length).toBeGreaterThan(0);
    for (const api of apis) {
      // Read by hand: https://<api id>.execute-api.<region>.amazonaws.com[/<stage>]
      const url = new URL(api);
      const [id, , region] = url.hostname.split('.');
      const stage = url.pathname.split('/')[1] || '$default';
      const route = (apiId: string, account = ACCOUNT) =>
        `arn:aws:execute-api:${region}:${account}:${apiId}/${stage}/POST/score`;
      expect(allowed('DelegateRole', 'execute-api:Invoke', route(id ?? ''))).toBe(true);
      expect(allowed('DelegateRole', 'execute-api:Invoke', route('zzz999other'))).toBe(false);
      expect(allowed('DelegateRole', 'execute-api:Invoke', route(id ?? '', '999999999999'))).toBe(false);
    }
    for (const [where, s] of allStatements()) {
      if (!list(s.Action).some((a) => a.startsWith('execute-api:'))) continue;
      expect(where).toBe('DelegateRole');
      expect(list(s.Action)).toEqual(['execute-api:Invoke']);
      for (const r of list(s.Resource).map(resolve))
        expect(r).not.toMatch(/^arn:aws:execute-api:[^:]*:[^:]*:\*/);
    }
  });

  it('scopes Step Functions actions to the stack state machine and its executions', () => {
    const name = template.Resources.JobsStateMachine.Properties.StateMachineName as string;
    const base = `arn:aws:states:${REGION}:${ACCOUNT}`;
    const machine = `${base}:stateMachine:${name}`;
    for (const [where, s] of allStatements()) {
      if (!list(s.Action).some((a) => a.startsWith('states:'))) continue;
      for (const r of list(s.Resource).map(resolve)) {
        const own =
          r === machine ||
          r.startsWith(`${base}:execution:${name}/`) ||
          r.startsWith(`${base}:execution:${name}:`);
        expect(own, `${where}: ${r}`).toBe(true);
      }
    }
    // Distributed Map starts its children as executions of the machine itself, then watches them.
    const child = `${base}:execution:${name}/Map-label:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    const otherChild = `${base}:execution:${name}-other/Map-label:0f1e2d3c`;
    expect(allowed('StateMachineRole', 'states:StartExecution', machine)).toBe(true);
    expect(allowed('StateMachineRole', 'states:StartExecution', `${base}:stateMachine:${name}-other`)).toBe(
      false,
    );
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(allowed('StateMachineRole', action, child), action).toBe(true);
      expect(allowed('StateMachineRole', action, otherChild), action).toBe(false);
    }
    // The scheduler function starts a scheduled run and looks it up by name to drop duplicate events.
    const run = `${base}:execution:${name}:wordcount-nightly-20261201T030000`;
    expect(allowed('SchedulerRole', 'states:StartExecution', machine)).toBe(true);
    expect(allowed('SchedulerRole', 'states:DescribeExecution', run)).toBe(true);
    expect(allowed('SchedulerRole', 'states:DescribeExecution', `${base}:execution:${name}-other:x`)).toBe(
      false,
    );
    for (const role of ['MapRole', 'ReduceRole', 'CollectRole']) {
      expect(allowed(role, 'states:StartExecution', machine), role).toBe(false);
    }
  });

  it('grants S3 actions on the data bucket only, and only the ones the design table covers', () => {
    for (const [where, s] of allStatements()) {
      const actions = list(s.Action).filter((a) => a.startsWith('s3:'));
      if (actions.length === 0) continue;
      if (where !== 'DataBucketPolicy') for (const a of actions) expect(S3_ACTIONS, where).toContain(a);
      for (const r of list(s.Resource).map(resolve)) {
        expect(r === BUCKET_ARN || r.startsWith(`${BUCKET_ARN}/`), `${where}: ${r}`).toBe(true);
      }
    }
  });

  it.each(Object.keys(DESIGN))('%s reaches the data bucket exactly where the design says', (role) => {
    expectRoleAsDesigned(read, role, deployedStreams(config));
  });

  it('lets each function write logs to its own log group only', () => {
    const groups = resources('AWS::Logs::LogGroup').map(([, g]) => g.Properties.LogGroupName as string);
    const functions = resources('AWS::Lambda::Function');
    // One group per function of serverless.yml: map, reduce, delegate, collect, scheduler, trigger.
    expect(functions.length).toBe(6);
    expect(groups.filter((g) => g.startsWith('/aws/lambda/')).length).toBe(functions.length);
    for (const [, fn] of functions) {
      const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const own = `/aws/lambda/${fn.Properties.FunctionName}`;
      for (const group of groups) {
        const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:2026/12/01/[$LATEST]abc`;
        expect(allowed(role, 'logs:PutLogEvents', stream), `${role} → ${group}`).toBe(group === own);
      }
    }
  });
});

describe('serverless package: role trust', () => {
  /** Whether `service` may assume the role in the given request context (a plain reading of IAM). */
  function trusts(roleId: string, service: string, context: Record<string, string>): boolean {
    const trust = template.Resources[roleId].Properties.AssumeRolePolicyDocument;
    return list(trust.Statement as Statement[]).some(
      (s) =>
        s.Effect === 'Allow' &&
        list(s.Action).includes('sts:AssumeRole') &&
        list((s.Principal as J)?.Service).includes(service) &&
        conditionHolds(s.Condition, context),
    );
  }
  const OTHER_ACCOUNT = '210987654321';

  it('lets the functions take their roles only on behalf of this account', () => {
    for (const role of ['MapRole', 'ReduceRole', 'CollectRole', 'SchedulerRole', 'TriggerRole']) {
      expect(trusts(role, 'lambda.amazonaws.com', { 'aws:SourceAccount': ACCOUNT }), role).toBe(true);
      expect(trusts(role, 'lambda.amazonaws.com', { 'aws:SourceAccount': OTHER_ACCOUNT }), role).toBe(false);
      expect(trusts(role, 'lambda.amazonaws.com', {}), role).toBe(false);
      expect(trusts(role, 'states.amazonaws.com', { 'aws:SourceAccount': ACCOUNT }), role).toBe(false);
    }
  });

  it('lets Step Functions take the state machine role only for the stack state machine', () => {
    const name = template.Resources.JobsStateMachine.Properties.StateMachineName as string;
    const base = `arn:aws:states:${REGION}:${ACCOUNT}`;
    const as = (arn: string, account = ACCOUNT) => ({ 'aws:SourceAccount': account, 'aws:SourceArn': arn });
    const role = 'StateMachineRole';
    // The machine, and the child workflows of its Distributed Maps.
    expect(trusts(role, 'states.amazonaws.com', as(`${base}:stateMachine:${name}`))).toBe(true);
    expect(trusts(role, 'states.amazonaws.com', as(`${base}:stateMachine:${name}/Map`))).toBe(true);
    // Another state machine of this account, or the same name in another account, may not.
    expect(trusts(role, 'states.amazonaws.com', as(`${base}:stateMachine:${name}-other`))).toBe(false);
    expect(trusts(role, 'states.amazonaws.com', as(`${base}:stateMachine:other`))).toBe(false);
    const foreign = `arn:aws:states:${REGION}:${OTHER_ACCOUNT}:stateMachine:${name}`;
    expect(trusts(role, 'states.amazonaws.com', as(foreign, OTHER_ACCOUNT))).toBe(false);
    expect(trusts(role, 'states.amazonaws.com', { 'aws:SourceAccount': ACCOUNT })).toBe(false);
    expect(trusts(role, 'lambda.amazonaws.com', as(`${base}:stateMachine:${name}`))).toBe(false);
  });

  it('has no role for EventBridge: schedules invoke the scheduler function through a permission for their rule', () => {
    const services = resources('AWS::IAM::Role').flatMap(([, r]) =>
      list(r.Properties.AssumeRolePolicyDocument.Statement as Statement[]).flatMap((s) =>
        list((s.Principal as J)?.Service as string | string[]),
      ),
    );
    expect([...new Set(services)].sort()).toEqual(['lambda.amazonaws.com', 'states.amazonaws.com']);
    for (const [id, p] of resources('AWS::Lambda::Permission')) {
      expect(p.Properties.Principal, id).toBe('events.amazonaws.com');
      expect(template.Resources[p.Properties.SourceArn['Fn::GetAtt'][0]]?.Type, id).toBe('AWS::Events::Rule');
    }
  });
});

describe('serverless package: the state machine log', () => {
  it('sends errors, without execution data, to a log group of the stack with a retention', () => {
    const logging = template.Resources.JobsStateMachine.Properties.LoggingConfiguration;
    expect(logging.Level).toBe('ERROR');
    expect(logging.IncludeExecutionData).toBe(false);
    expect(logging.Destinations).toHaveLength(1);
    const [groupId, attribute] = logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'];
    expect(attribute).toBe('Arn');
    const group = template.Resources[groupId];
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    const name = template.Resources.JobsStateMachine.Properties.StateMachineName as string;
    // Under /aws/vendedlogs/, one resource policy of CloudWatch Logs covers every such delivery.
    expect(group.Properties.LogGroupName).toBe(`/aws/vendedlogs/states/${name}`);
    expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    expect(group.Properties.RetentionInDays).toBeLessThanOrEqual(30);
  });

  it('lets the state machine role set up the delivery, and only it', () => {
    const name = template.Resources.JobsStateMachine.Properties.StateMachineName as string;
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/${name}:*`;
    for (const action of ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery']) {
      expect(allowed('StateMachineRole', action, '*'), action).toBe(true);
    }
    for (const action of [
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]) {
      expect(allowed('StateMachineRole', action, group), action).toBe(true);
      const foreign = group.replace(ACCOUNT, '210987654321');
      expect(allowed('StateMachineRole', action, foreign), action).toBe(false);
    }
    for (const role of ['MapRole', 'ReduceRole', 'CollectRole', 'SchedulerRole', 'TriggerRole']) {
      expect(allowed(role, 'logs:CreateLogDelivery', '*'), role).toBe(false);
    }
  });
});

describe('serverless package: the data bucket', () => {
  it('is encrypted, private and owner-enforced', () => {
    const bucket = template.Resources.DataBucket;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    const sse = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(sse.length).toBeGreaterThan(0);
    for (const rule of sse) {
      expect(['AES256', 'aws:kms', 'aws:kms:dsse']).toContain(
        rule.ServerSideEncryptionByDefault.SSEAlgorithm,
      );
    }
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('expires the job work under work/ after the layout days', () => {
    const rules = template.Resources.DataBucket.Properties.LifecycleConfiguration.Rules as J[];
    const work = rules.filter(
      (r) => r.Status === 'Enabled' && (r.Prefix ?? r.Filter?.Prefix) === BUCKET_LAYOUT.work,
    );
    expect(work.map((r) => r.ExpirationInDays)).toEqual([BUCKET_LAYOUT.workExpiryDays]);
    // Nothing outside work/ (results, inputs) expires.
    for (const r of rules.filter((r) => r.ExpirationInDays !== undefined)) {
      expect(r.Prefix ?? r.Filter?.Prefix).toBe(BUCKET_LAYOUT.work);
    }
  });

  /** Days S3 keeps a noncurrent version of `key`: the shortest rule that covers it applies. */
  function noncurrentDays(key: string): number | undefined {
    const rules = template.Resources.DataBucket.Properties.LifecycleConfiguration.Rules as J[];
    const days = rules
      .filter((r) => r.Status === 'Enabled' && key.startsWith(r.Prefix ?? r.Filter?.Prefix ?? ''))
      .map((r) => r.NoncurrentVersionExpiration?.NoncurrentDays as number | undefined)
      .filter((d): d is number => d !== undefined);
    return days.length === 0 ? undefined : Math.min(...days);
  }

  it('keeps earlier versions of deleted or overwritten objects for a while, of working objects briefly', () => {
    const bucket = template.Resources.DataBucket.Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    for (const key of ['in/corpus/a.txt', 'out/wordcount/part-00000.jsonl', 'job.json']) {
      expect(noncurrentDays(key), key).toBe(BUCKET_LAYOUT.noncurrentExpiryDays);
    }
    expect(noncurrentDays('work/job-1/shuffle/map-00001.bin')).toBe(BUCKET_LAYOUT.workNoncurrentExpiryDays);
    expect(BUCKET_LAYOUT.workNoncurrentExpiryDays).toBeLessThan(BUCKET_LAYOUT.noncurrentExpiryDays);
    // A delete marker left without versions is removed. S3 refuses ExpiredObjectDeleteMarker in
    // a rule that also expires current objects by days or date.
    const rules = bucket.LifecycleConfiguration.Rules as J[];
    const markers = rules.filter((r) => r.Status === 'Enabled' && r.ExpiredObjectDeleteMarker === true);
    expect(markers.map((r) => r.Prefix ?? r.Filter?.Prefix)).toEqual(['']);
    for (const r of markers) {
      expect(r.ExpirationInDays, r.Id).toBeUndefined();
      expect(r.ExpirationDate, r.Id).toBeUndefined();
    }
    // The earlier rules stay: unfinished uploads are aborted after a day.
    const uploads = rules.filter((r) => r.Status === 'Enabled' && r.AbortIncompleteMultipartUpload);
    expect(
      uploads.map((r) => [
        r.Prefix ?? r.Filter?.Prefix,
        r.AbortIncompleteMultipartUpload.DaysAfterInitiation,
      ]),
    ).toEqual([['', 1]]);
  });

  it('refuses every request that does not use TLS', () => {
    const policy = template.Resources.DataBucketPolicy;
    expect(policy.Properties.Bucket).toEqual({ Ref: 'DataBucket' });
    const denies = list(policy.Properties.PolicyDocument.Statement as Statement[]).filter(
      (s) =>
        s.Effect === 'Deny' &&
        (s.Principal === '*' || (s.Principal as J)?.AWS === '*') &&
        String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
    );
    expect(denies.length).toBe(1);
    const deny = denies[0] as Statement;
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject']) {
      expect(
        list(deny.Action).some((a) => glob(a, 'i').test(action)),
        action,
      ).toBe(true);
    }
    const covered = list(deny.Resource).map(resolve);
    for (const target of [BUCKET_ARN, `${BUCKET_ARN}/work/job-1/job.json`, `${BUCKET_ARN}/out/x`]) {
      expect(
        covered.some((r) => glob(r).test(target)),
        target,
      ).toBe(true);
    }
  });
});

/**
 * The `functions:` block of serverless.yml: each function's scalar settings. A reader for the
 * block style that file uses (two-space function keys, four-space settings), no more.
 */
function serverlessYmlFunctions(): Map<string, Record<string, string>> {
  const functions = new Map<string, Record<string, string>>();
  let inBlock = false;
  let current: Record<string, string> | undefined;
  for (const line of readFileSync(join(ROOT, 'serverless.yml'), 'utf8').split('\n')) {
    if (/^\S/.test(line)) {
      inBlock = /^functions:\s*$/.test(line);
      continue;
    }
    if (!inBlock) continue;
    const key = /^ {2}(\w[\w-]*):\s*$/.exec(line);
    if (key?.[1]) {
      current = {};
      functions.set(key[1], current);
      continue;
    }
    const setting = /^ {4}(\w+):\s*(\S.*?)\s*$/.exec(line);
    if (setting?.[1] && setting[2] !== undefined && current) current[setting[1]] = setting[2];
  }
  return functions;
}

describe('serverless package: the functions', () => {
  it('has map, reduce, delegate, collect and plan with the sizes and timeouts of serverless.yml, each with its own role', () => {
    const yml = serverlessYmlFunctions();
    expect([...yml.keys()].sort()).toEqual(['collect', 'delegate', 'map', 'reduce', 'scheduler', 'trigger']);
    const roles = new Set<string>();
    for (const [key, settings] of yml) {
      const id = `${key[0]?.toUpperCase()}${key.slice(1)}LambdaFunction`;
      const fn = template.Resources[id];
      expect(fn?.Type, id).toBe('AWS::Lambda::Function');
      const p = fn.Properties;
      expect(p.FunctionName).toBe(`stepmr-${STAGE}-${key}`);
      expect(p.MemorySize, `${key} memorySize`).toBe(Number(settings.memorySize));
      expect(p.Timeout, `${key} timeout`).toBe(Number(settings.timeout));
      expect(p.EphemeralStorage, `${key} ephemeralStorageSize`).toEqual(
        settings.ephemeralStorageSize === undefined
          ? undefined
          : { Size: Number(settings.ephemeralStorageSize) },
      );
      expect(p.Role, key).toEqual({ 'Fn::GetAtt': [settings.role, 'Arn'] });
      expect(template.Resources[settings.role as string]?.Type).toBe('AWS::IAM::Role');
      roles.add(settings.role as string);
    }
    expect(roles.size).toBe(yml.size);
    expect(roles.has('StateMachineRole')).toBe(false);
  });

  it('tells every function its stack’s bucket (the only one it may use), and the scheduler and trigger functions the state machine', () => {
    for (const fn of ['Map', 'Reduce', 'Collect', 'Scheduler', 'Trigger']) {
      const env = template.Resources[`${fn}LambdaFunction`].Properties.Environment.Variables;
      expect(env.STEPMR_DATA_BUCKET, fn).toEqual({ Ref: 'DataBucket' });
      expect(env.STEPMR_STATE_MACHINE_ARN, fn).toEqual(
        fn === 'Scheduler' || fn === 'Trigger' ? { Ref: 'JobsStateMachine' } : undefined,
      );
    }
  });
});

describe('serverless package: schedules and outputs', () => {
  it('has one EventBridge rule per schedule of stepmr.config.ts, sending the scheduler function its name', () => {
    const schedules = Object.entries(config.schedules ?? {});
    const scheduler = { 'Fn::GetAtt': ['SchedulerLambdaFunction', 'Arn'] };
    const rules = resources('AWS::Events::Rule').filter(([, rule]) =>
      list(rule.Properties.Targets as J[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify(scheduler)),
    );
    expect(rules.length).toBe(schedules.length);
    const time = '2026-12-01T03:00:00Z';
    for (const [name, schedule] of schedules) {
      const matching = rules.filter(([, rule]) =>
        list(rule.Properties.Targets as J[]).some((t) => {
          const text = t.InputTransformer?.InputTemplate as string | undefined;
          return text && JSON.parse(text.replace('<time>', JSON.stringify(time))).schedule === name;
        }),
      );
      expect(matching.length, name).toBe(1);
      const [ruleId, rule] = matching[0] as [string, J];
      expect(rule.Properties.ScheduleExpression).toBe(schedule.schedule);
      expect(rule.Properties.State).toBe((schedule.enabled ?? true) ? 'ENABLED' : 'DISABLED');
      const [target, ...others] = rule.Properties.Targets as J[];
      expect(others).toEqual([]);
      expect(target.Arn).toEqual({ 'Fn::GetAtt': ['SchedulerLambdaFunction', 'Arn'] });
      expect(target.InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      // What EventBridge sends is an event the scheduler function accepts.
      const sent = JSON.parse(target.InputTransformer.InputTemplate.replace('<time>', JSON.stringify(time)));
      expect(scheduledEvent.parse(sent)).toEqual({ schedule: name, time });
      // EventBridge may invoke the scheduler function for this rule.
      const permissions = resources('AWS::Lambda::Permission').filter(
        ([, p]) => p.Properties.SourceArn?.['Fn::GetAtt']?.[0] === ruleId,
      );
      expect(permissions.map(([, p]) => [p.Properties.Principal, p.Properties.FunctionName])).toEqual([
        ['events.amazonaws.com', { 'Fn::GetAtt': ['SchedulerLambdaFunction', 'Arn'] }],
      ]);
    }
  });

  it('outputs the data bucket and the state machine ARN, which stepmr submit finds the stack by', () => {
    expect(template.Outputs.DataBucket.Value).toEqual({ Ref: 'DataBucket' });
    expect(template.Outputs.StateMachineArn.Value).toEqual({ Ref: 'JobsStateMachine' });
    expect(template.Resources.JobsStateMachine.Type).toBe('AWS::StepFunctions::StateMachine');
  });
});
