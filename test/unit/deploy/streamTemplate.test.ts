// The stack's streaming part, as stackResources generates it for streams of stepmr.config.ts:
// the bucket's EventBridge notifications, the rules and their targets, the dead-letter queue and
// the trigger function's least privilege, read back as CloudFormation and IAM would.
import { describe, expect, it } from 'vitest';
import { triggerEvent } from '../../../framework/contract/events.js';
import type { StepmrConfig } from '../../../framework/deploy/config.js';
import { stackResources } from '../../../framework/deploy/stack.js';
import { type J, list, readTemplate, type Statement } from '../../package/templateChecks.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUCKET = 'stepmr-test-databucket-1a2b3c';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:stepmr-test-jobs`;
const EXECUTIONS = MACHINE.replace(':stateMachine:', ':execution:');

/** A registered stream as defineStream makes it: a job with its stream settings. */
const stream = (name: string, prefix: string, everyMs: number) => ({
  __stepmrJob: true,
  __stepmrStream: true,
  map: () => undefined,
  stream: { name, prefix, mode: 'append', everyMs, maxFiles: 1000, maxBytes: 1 << 30, rewrites: 'skip' },
});
const config = {
  jobs: {},
  streams: {
    clicks: stream('clicks', 'in/clicks/', 60_000),
    'slow-logs': stream('slow-logs', 'in/logs/', 7_200_000),
  },
} as unknown as StepmrConfig;

function template(c: StepmrConfig = config): J {
  const { Resources } = stackResources({ service: 'stepmr', stage: 'test' }, c);
  // The functions serverless adds from serverless.yml, by the names it gives them.
  for (const key of ['map', 'reduce', 'collect', 'scheduler', 'trigger']) {
    Resources[`${key[0]?.toUpperCase()}${key.slice(1)}LambdaFunction`] = {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: `stepmr-test-${key}` },
    };
  }
  return { Resources };
}
const t = template();
const read = readTemplate(t, { region: REGION, account: ACCOUNT, bucket: BUCKET });
const rules = () => read.resources('AWS::Events::Rule');
const triggerArn = read.functionArn('TriggerLambdaFunction');

/** What EventBridge gives the function for a rule's target: its input template, filled in. */
function delivered(target: J, event: J): unknown {
  return JSON.parse(
    target.InputTransformer.InputTemplate.replace('<aws.events.event.json>', JSON.stringify(event)),
  );
}

describe('the streams of stepmr.config.ts in the template', () => {
  it('has the data bucket send its events to EventBridge only when the stack has streams', () => {
    expect(t.Resources.DataBucket.Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    const none = stackResources({ service: 'stepmr', stage: 'test' }, { jobs: {} }).Resources as J;
    expect(none.DataBucket.Properties.NotificationConfiguration).toBeUndefined();
    expect(Object.values(none).filter((r: J) => r.Type === 'AWS::Events::Rule')).toEqual([]);
  });

  it('per stream, a rule on Object Created under its prefix in the stack bucket, and its schedule', () => {
    for (const [name, prefix, rate] of [
      ['clicks', 'in/clicks/', 'rate(1 minute)'],
      ['slow-logs', 'in/logs/', 'rate(2 hours)'],
    ] as const) {
      const mine = rules().filter(([, r]) =>
        list(r.Properties.Targets as J[]).some((target) =>
          target.InputTransformer.InputTemplate.includes(`"stream":"${name}"`),
        ),
      );
      const arrival = mine.find(([, r]) => r.Properties.EventPattern)?.[1];
      expect(arrival.Properties.EventPattern).toEqual({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: 'DataBucket' }] }, object: { key: [{ prefix }] } },
      });
      const schedules = mine.filter(([, r]) => r.Properties.ScheduleExpression);
      expect(schedules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual([rate]);
      expect(mine).toHaveLength(2);
    }
  });

  it('one rule on the ends of the stack machine’s batch executions, for every stream', () => {
    const ends = rules().filter(([, r]) => r.Properties.EventPattern?.source?.[0] === 'aws.states');
    expect(ends).toHaveLength(1);
    const detail = (ends[0] as [string, J])[1].Properties.EventPattern.detail;
    expect(detail.stateMachineArn).toEqual([{ Ref: 'JobsStateMachine' }]);
    expect([...detail.status].sort()).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED', 'TIMED_OUT']);
    expect(detail.name).toEqual([{ prefix: 'clicks-b' }, { prefix: 'slow-logs-b' }]);
  });

  it('targets the trigger function with retries and the dead-letter queue, sending events it accepts', () => {
    const time = '2026-12-02T10:00:00Z';
    const samples: Record<string, J> = {
      'aws.events': { source: 'aws.events', 'detail-type': 'Scheduled Event', time, detail: {} },
      'aws.s3': {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        time,
        detail: { bucket: { name: BUCKET }, object: { key: 'in/clicks/a.jsonl', size: 3 } },
      },
      'aws.states': {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        time,
        detail: {
          executionArn: `${EXECUTIONS}:clicks-b3`,
          stateMachineArn: MACHINE,
          name: 'clicks-b3',
          status: 'SUCCEEDED',
        },
      },
    };
    expect(rules()).toHaveLength(5);
    for (const [id, rule] of rules()) {
      const [target, ...others] = rule.Properties.Targets as J[];
      expect(others, id).toEqual([]);
      expect(read.resolve(target.Arn), id).toBe(triggerArn);
      expect(target.RetryPolicy.MaximumRetryAttempts, id).toBeGreaterThan(0);
      expect(target.DeadLetterConfig.Arn, id).toEqual({
        'Fn::GetAtt': ['StreamTriggerDeadLetterQueue', 'Arn'],
      });
      const source = rule.Properties.EventPattern?.source?.[0] ?? 'aws.events';
      const parsed = triggerEvent.safeParse(delivered(target, samples[source]));
      expect(parsed.success, `${id}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('lets EventBridge invoke the trigger function for each of these rules only', () => {
    const permissions = read.resources('AWS::Lambda::Permission');
    expect(permissions.map(([, p]) => p.Properties.SourceArn['Fn::GetAtt'][0]).sort()).toEqual(
      rules()
        .map(([id]) => id)
        .sort(),
    );
    for (const [id, p] of permissions) {
      expect(p.Properties.Principal, id).toBe('events.amazonaws.com');
      expect(p.Properties.Action, id).toBe('lambda:InvokeFunction');
      expect(read.resolve(p.Properties.FunctionName), id).toBe(triggerArn);
    }
  });

  it('keeps failed deliveries in an encrypted queue that only the stream rules may send to', () => {
    const queue = t.Resources.StreamTriggerDeadLetterQueue;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
    const [policy, ...more] = read.resources('AWS::SQS::QueuePolicy');
    expect(more).toEqual([]);
    const [statement, ...others] = list(policy?.[1].Properties.PolicyDocument.Statement as Statement[]);
    expect(others).toEqual([]);
    expect(statement?.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(statement?.Action).toBe('sqs:SendMessage');
    const sources = list((statement as Statement).Condition?.ArnEquals?.['aws:SourceArn'] as J).map(
      (s: J) => s['Fn::GetAtt'][0],
    );
    expect(sources.sort()).toEqual(
      rules()
        .map(([id]) => id)
        .sort(),
    );
  });
});

describe('the trigger function’s own failures', () => {
  it('are retried by Lambda, then kept in the same dead-letter queue, which its role may send to', () => {
    const [config, ...more] = read.resources('AWS::Lambda::EventInvokeConfig');
    expect(more).toEqual([]);
    const p = config?.[1].Properties;
    expect(p.FunctionName).toEqual({ Ref: 'TriggerLambdaFunction' });
    expect(p.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(p.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': ['StreamTriggerDeadLetterQueue', 'Arn'],
    });
    const sends = read
      .roleStatements('TriggerRole')
      .filter((st) => list(st.Action).includes('sqs:SendMessage'))
      .flatMap((st) => list(st.Resource));
    expect(sends).toEqual([{ 'Fn::GetAtt': ['StreamTriggerDeadLetterQueue', 'Arn'] }]);
  });
});

describe('the trigger function’s role', () => {
  const can = (action: string, resource: string, context: Record<string, string> = {}) =>
    read.allowed('TriggerRole', action, resource, context);

  it('reads its streams’ sources, checkpoints and results, and nothing else of the bucket', () => {
    const cases: [string, boolean, boolean, boolean][] = [
      // key, GetObject, PutObject, DeleteObject
      ['in/clicks/2026/a.jsonl', true, false, false],
      ['in/logs/x.log', true, false, false],
      ['in/other/a.jsonl', false, false, false],
      ['streams/clicks/offsets/0000000003', true, true, true],
      ['streams/slow-logs/commits/0000000001', true, true, true],
      ['streams/other/offsets/0000000001', false, false, false],
      ['out/streams/clicks/batch=0000000003/_SUCCESS', true, false, false],
      ['out/clicks/batch=0000000003/_SUCCESS', false, false, false],
      ['out/other/_SUCCESS', false, false, false],
      ['work/clicks-b3/job.json', false, true, false],
      ['secret.txt', false, false, false],
    ];
    for (const [key, get, put, del] of cases) {
      const object = `${BUCKET_ARN}/${key}`;
      expect(can('s3:GetObject', object), `get ${key}`).toBe(get);
      expect(can('s3:PutObject', object), `put ${key}`).toBe(put);
      expect(can('s3:DeleteObject', object), `delete ${key}`).toBe(del);
      expect(can('s3:GetObject', `arn:aws:s3:::another-bucket/${key}`), key).toBe(false);
    }
    for (const [prefix, ok] of [
      ['in/clicks/', true],
      ['streams/clicks/', true],
      ['work/', true],
      ['', false],
      ['in/', false],
    ] as const) {
      expect(can('s3:ListBucket', BUCKET_ARN, { 's3:prefix': prefix }), `list ${prefix}`).toBe(ok);
    }
  });

  it('starts executions of the stack’s state machine only, and looks up its streams’ batches only', () => {
    expect(can('states:StartExecution', MACHINE)).toBe(true);
    expect(can('states:StartExecution', `${MACHINE}-other`)).toBe(false);
    expect(can('states:DescribeExecution', `${EXECUTIONS}:clicks-b3`)).toBe(true);
    expect(can('states:DescribeExecution', `${EXECUTIONS}:clicks-b3-r1`)).toBe(true);
    expect(can('states:DescribeExecution', `${EXECUTIONS}:wordcount-nightly-20261201T030000`)).toBe(false);
    expect(can('states:StopExecution', `${EXECUTIONS}:clicks-b3`)).toBe(false);
    expect(can('lambda:InvokeFunction', triggerArn)).toBe(false);
  });

  it('names no `*` resource and no wildcard action', () => {
    for (const s of read.roleStatements('TriggerRole')) {
      for (const a of list(s.Action)) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/i);
      for (const r of list(s.Resource).map(read.resolve)) {
        expect(r).not.toBe('*');
        expect(r).not.toMatch(/^arn:aws:[^:]*:(\*|[^:]*:\*):/);
      }
    }
  });

  it('may do nothing with no streams', () => {
    const none = stackResources({ service: 'stepmr', stage: 'test' }, { jobs: {} }).Resources as J;
    const statements = list(none.TriggerRole.Properties.Policies as J[]).flatMap((p) =>
      list(p.PolicyDocument.Statement as Statement[]),
    );
    expect(statements.flatMap((s) => list(s.Action)).filter((a) => !a.startsWith('logs:'))).toEqual([]);
  });
});

describe('streams the stack refuses to deploy', () => {
  const withStream = (prefix: string, name = 'clicks', key = name) =>
    ({ jobs: {}, streams: { [key]: stream(name, prefix, 60_000) } }) as unknown as StepmrConfig;

  it.each(['out/clicks/', 'work/', 'streams/x/', 'out/', 'in/../out/'])(
    'a source under the stack’s own writes: %j',
    (prefix) => {
      expect(() => stackResources({ service: 'stepmr', stage: 'test' }, withStream(prefix))).toThrow(
        /stepmr\.config\.ts: streams\.clicks\.source\.prefix/,
      );
    },
  );

  it('a stream registered under another name than its own', () => {
    expect(() =>
      stackResources({ service: 'stepmr', stage: 'test' }, withStream('in/c/', 'clicks', 'views')),
    ).toThrow(/streams\.views is the stream "clicks"/);
  });

  it('rounds a period under a minute up to EventBridge’s finest, every minute', () => {
    const c = { jobs: {}, streams: { fast: stream('fast', 'in/fast/', 10_000) } } as unknown as StepmrConfig;
    const r = Object.values(stackResources({ service: 'stepmr', stage: 'test' }, c).Resources as J).filter(
      (x: J) => x.Properties?.ScheduleExpression,
    );
    expect(r.map((x: J) => x.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
  });
});

describe('the reduce function’s role', () => {
  /** An append stream, an update-mode one and a windowed one. */
  const kinds = (() => {
    const of = (name: string, more: object) => {
      const s = stream(name, `in/${name}/`, 60_000);
      return { ...s, stream: { ...s.stream, ...more } };
    };
    const c = {
      jobs: {},
      streams: {
        plain: of('plain', {}),
        totals: of('totals', { mode: 'update' }),
        windowed: of('windowed', { window: { sizeMs: 10, delayMs: 5 } }),
      },
    } as unknown as StepmrConfig;
    return readTemplate(template(c), { region: REGION, account: ACCOUNT, bucket: BUCKET });
  })();
  const may = (action: string, key: string) => kinds.allowed('ReduceRole', action, `${BUCKET_ARN}/${key}`);

  it('reads the state a batch merges and writes the open windows, of the stream kinds that keep them only', () => {
    for (const name of ['plain', 'totals', 'windowed']) {
      const out = `out/streams/${name}/`;
      const snapshot = `${out}snapshot=0000000003/part-00000.jsonl`;
      const windows = `${out}_state/batch=0000000003/part-00000.jsonl`;
      expect(may('s3:GetObject', snapshot), `${name} snapshot`).toBe(name === 'totals');
      expect(may('s3:GetObject', windows), `${name} windows`).toBe(name === 'windowed');
      expect(may('s3:PutObject', windows), `${name} windows`).toBe(name === 'windowed');
      expect(may('s3:AbortMultipartUpload', windows), `${name} windows`).toBe(name === 'windowed');
      // The published results are the collect function's to write, never the reducers'.
      for (const key of [snapshot, `${out}batch=0000000003/part-00000.jsonl`]) {
        expect(may('s3:PutObject', key), key).toBe(false);
      }
      expect(may('s3:GetObject', `${out}batch=0000000003/part-00000.jsonl`)).toBe(false);
      expect(may('s3:DeleteObject', windows)).toBe(false);
    }
  });

  it('lets the trigger delete its own stream’s old states, and no published result', () => {
    const trigger = (action: string, key: string) =>
      kinds.allowed('TriggerRole', action, `${BUCKET_ARN}/${key}`);
    for (const name of ['plain', 'totals', 'windowed']) {
      const out = `out/streams/${name}/`;
      expect(trigger('s3:DeleteObject', `${out}snapshot=0000000003/part-00000.jsonl`), name).toBe(
        name === 'totals',
      );
      expect(trigger('s3:DeleteObject', `${out}_state/batch=0000000003/part-00000.jsonl`), name).toBe(
        name === 'windowed',
      );
      expect(trigger('s3:DeleteObject', `${out}batch=0000000003/part-00000.jsonl`), name).toBe(false);
      expect(trigger('s3:DeleteObject', `${out}batch=0000000003/_SUCCESS`), name).toBe(false);
      expect(trigger('s3:PutObject', `${out}snapshot=0000000003/part-00000.jsonl`), name).toBe(false);
    }
    expect(trigger('s3:DeleteObject', 'out/wordcount/snapshot=0000000001/part-00000.jsonl')).toBe(false);
  });
});
