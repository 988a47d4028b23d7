import { createHash } from 'node:crypto';
import { buildDefinition } from '../statemachine/buildDefinition.js';
import { dataBucket, tlsOnly } from './bucket.js';
import type { DelegatesConfig, StepmrConfig } from './config.js';
import { apiArns, functionArns } from './delegates.js';
import { allow, arn, bucketArn, type Json, listUnder, MULTIPART, objects } from './iam.js';
import { BUCKET_LAYOUT } from './layout.js';
import { streamResources } from './streamRules.js';
import { type DeployedStream, deployedStreams } from './streams.js';
import { reduceStateStatements, triggerStatements } from './triggerPolicy.js';

/** The deployment a template is made for: serverless.yml's service and stage. */
export interface StackNames {
  readonly service: string;
  readonly stage: string;
}

/** The task functions of serverless.yml, by key; their CloudFormation logical ids follow from it. */
export const FUNCTIONS = ['map', 'reduce', 'delegate', 'collect', 'scheduler', 'trigger'] as const;
export type FunctionKey = (typeof FUNCTIONS)[number];

import type { StateMachineDefinition } from '../engine/asl.js';

/** `map` → `MapLambdaFunction`, the logical id serverless gives a function. */
export const functionLogicalId = (key: FunctionKey) =>
  `${key[0]?.toUpperCase()}${key.slice(1)}LambdaFunction`;
/** `map` → `MapRole`, the logical id of the function's own IAM role. */
export const roleLogicalId = (key: FunctionKey | 'stateMachine') =>
  `${key[0]?.toUpperCase()}${key.slice(1)}Role`;
/** The logical id of the state machine (`id` in serverless.yml). */
export const STATE_MACHINE_ID = 'JobsStateMachine';

/** The deployed names of the stack's parts. */
export const stackNames = ({ service, stage }: StackNames) => ({
  stack: `${service}-${stage}`,
  stateMachine: `${service}-${stage}-jobs`,
  function: (key: FunctionKey) => `${service}-${stage}-${key}`,
});

/**
 * The state machine's definition for the template: the one {@link buildDefinition} makes, with
 * the functions' ARNs as CloudFormation references.
 *
 * @example
 * ```ts
 * const definition = templateDefinition(); // Parameters.FunctionName: { 'Fn::GetAtt': ['MapLambdaFunction', 'Arn'] }
 * ```
 */
export function templateDefinition(): StateMachineDefinition {
  const ref = (key: FunctionKey) => ({ 'Fn::GetAtt': [functionLogicalId(key), 'Arn'] });
  return buildDefinition({
    functions: { map: ref('map'), reduce: ref('reduce'), delegate: ref('delegate'), collect: ref('collect') },
  });
}

/** Least-privilege statements of each function's role, beyond its own logs. */
function functionStatements(
  key: FunctionKey,
  names: StackNames,
  streams: readonly DeployedStream[],
  delegates: DelegatesConfig,
): Json[] {
  const work = BUCKET_LAYOUT.work;
  const out = BUCKET_LAYOUT.output;
  const stateMachineArn = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${stackNames(names).stateMachine}`;
  switch (key) {
    case 'map':
      // Reads its input anywhere in the bucket; writes only the job's working objects.
      return [
        allow(['s3:GetObject'], objects('')),
        allow(['s3:PutObject', ...MULTIPART], objects(work)),
        listUnder(work),
      ];
    case 'reduce':
      // Its job's working objects, and the stream state a batch's reducers merge and keep.
      return [
        allow(['s3:GetObject', 's3:PutObject', ...MULTIPART], objects(work)),
        listUnder(work),
        ...reduceStateStatements(streams),
      ];
    case 'delegate': {
      // Its job's working objects, and only the APIs and functions stepmr.config.ts names.
      const apis = apiArns(delegates);
      const functions = functionArns(delegates);
      return [
        allow(['s3:GetObject', 's3:PutObject', ...MULTIPART], objects(work)),
        listUnder(work),
        ...(apis.length ? [allow(['execute-api:Invoke'], apis)] : []),
        ...(functions.length ? [allow(['lambda:InvokeFunction'], functions)] : []),
      ];
    }
    case 'collect':
      // Commits staged parts into the output and cleans up the job's working objects.
      return [
        allow(
          ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', ...MULTIPART],
          [objects(work), objects(out)],
        ),
        listUnder(work, out),
      ];
    case 'scheduler':
      return [
        allow(['s3:ListBucket'], bucketArn),
        allow(['s3:GetObject'], objects('')),
        allow(['s3:PutObject', ...MULTIPART], objects(work)),
        allow(['states:StartExecution'], arn(stateMachineArn)),
        allow(
          ['states:DescribeExecution'],
          arn(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:*`),
        ),
      ];
    case 'trigger':
      return triggerStatements(streams, stateMachineArn);
  }
}

/**
 * An IAM role that `service` assumes, with one inline policy of `statements`. The service may
 * assume it only on behalf of this account (`aws:SourceAccount`), and of `sourceArns` where
 * given, so no other account's resource can use the service to act as this role (the
 * confused deputy).
 */
function role(service: string, policyName: string, statements: Json[], sourceArns?: Json[]): Json {
  const Condition: Json = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ...(sourceArns ? { ArnLike: { 'aws:SourceArn': sourceArns } } : {}),
  };
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', Condition },
        ],
      },
      Policies: [
        { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
      ],
    },
  };
}

function functionRole(
  key: FunctionKey,
  names: StackNames,
  streams: readonly DeployedStream[],
  delegates: DelegatesConfig,
): Json {
  const logGroup = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${stackNames(names).function(key)}`;
  return role('lambda.amazonaws.com', `${key}-function`, [
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], arn(`${logGroup}:*`)),
    ...functionStatements(key, names, streams, delegates),
  ]);
}

/**
 * The actions Step Functions needs to deliver the state machine's logs, as AWS documents them
 * ("Logging using CloudWatch Logs", Step Functions Developer Guide). The `*LogDelivery` actions
 * are permission-only: they have no resource type, so IAM takes no resource but `*` for them.
 * The resource-policy and log-group actions take the account's log groups, the narrowest scope
 * CloudWatch Logs documents for them ("Logs sent to CloudWatch Logs": not one log group).
 */
const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
] as const;
const LOG_POLICY_ACTIONS = [
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

/** The logical id of the state machine's log group. */
const STATE_MACHINE_LOG_GROUP_ID = 'JobsStateMachineLogGroup';
/** Days the state machine's error log is kept, as the functions' logs (provider.logRetentionInDays). */
const STATE_MACHINE_LOG_DAYS = 14;

function stateMachineRole(names: StackNames): Json {
  const name = stackNames(names).stateMachine;
  const base = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}`;
  const functionArn = (key: FunctionKey) => ({ 'Fn::GetAtt': [functionLogicalId(key), 'Arn'] });
  // Step Functions may assume the role only for this state machine: itself, the child
  // workflows its Distributed Maps run (`<name>/<Map label>`), and their executions.
  const sources = [
    arn(`${base}:stateMachine:${name}`),
    arn(`${base}:stateMachine:${name}/*`),
    arn(`${base}:execution:${name}:*`),
    arn(`${base}:execution:${name}/*`),
  ];
  const logGroups = arn(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:*`);
  return role(
    'states.amazonaws.com',
    'jobs-state-machine',
    [
      allow(
        ['lambda:InvokeFunction'],
        [functionArn('map'), functionArn('reduce'), functionArn('delegate'), functionArn('collect')],
      ),
      // Distributed Map runs its children as executions of this state machine.
      allow(['states:StartExecution'], arn(`${base}:stateMachine:${name}`)),
      allow(['states:DescribeExecution', 'states:StopExecution'], arn(`${base}:execution:${name}/*`)),
      allow(['states:RedriveExecution'], arn(`${base}:execution:${name}/*:*`)),
      // ItemReader reads splits.jsonl; ResultWriter writes the Map Run results.
      allow(['s3:GetObject', 's3:PutObject', ...MULTIPART], objects(BUCKET_LAYOUT.work)),
      listUnder(BUCKET_LAYOUT.work),
      // Log delivery to the error log (see LOG_DELIVERY_ACTIONS for why `*`).
      allow([...LOG_DELIVERY_ACTIONS], '*'),
      allow(LOG_POLICY_ACTIONS, logGroups),
    ],
    sources,
  );
}

/**
 * The state machine's error log: a log group under `/aws/vendedlogs/` (so CloudWatch Logs
 * authorises every such delivery with one resource policy, not one per log group), kept 14 days.
 */
function stateMachineLogGroup(names: StackNames): Json {
  return {
    Type: 'AWS::Logs::LogGroup',
    Properties: {
      LogGroupName: `/aws/vendedlogs/states/${stackNames(names).stateMachine}`,
      RetentionInDays: STATE_MACHINE_LOG_DAYS,
    },
  };
}

/**
 * serverless-step-functions' `loggingConfig` of the state machine: failures (level ERROR:
 * failed, timed-out and aborted executions, states and map runs) go to the stack's log group,
 * without execution data (inputs and outputs), which execution history keeps.
 *
 * @example
 * ```ts
 * stateMachineLogging(); // { level: 'ERROR', includeExecutionData: false, destinations: [{ 'Fn::GetAtt': [...] }] }
 * ```
 */
export function stateMachineLogging(): Json {
  return {
    level: 'ERROR',
    includeExecutionData: false,
    destinations: [{ 'Fn::GetAtt': [STATE_MACHINE_LOG_GROUP_ID, 'Arn'] }],
  };
}

/**
 * The CloudFormation resources and outputs serverless.yml adds: the data bucket (encrypted,
 * private, TLS only, versioned, working objects expiring), one least-privilege role per
 * function and one for the state machine, each assumable only on behalf of this account, the
 * state machine's error log, and the outputs `stepmr submit` finds the stack by. With streams in
 * `config`, the bucket sends its events to EventBridge, and the streams' rules, their
 * dead-letter queue and permissions are added (see `streamResources`). The delegate function's
 * role may invoke only the APIs and functions of `config.delegates`.
 *
 * @example
 * ```ts
 * const { Resources, Outputs } = stackResources({ service: 'stepmr', stage: 'dev' }, config);
 * ```
 */
export function stackResources(
  names: StackNames,
  config: StepmrConfig = { jobs: {} },
): { Resources: Json; Outputs: Json } {
  const streams = deployedStreams(config);
  const delegates = config.delegates ?? {};
  const Resources: Json = {
    DataBucket: dataBucket({ eventBridge: streams.length > 0 }),
    DataBucketPolicy: tlsOnly(),
    ...streamResources(streams, (suffix) => ruleName(`${stackNames(names).stack}-${suffix}`)),
  };
  for (const key of FUNCTIONS) Resources[roleLogicalId(key)] = functionRole(key, names, streams, delegates);
  Resources[roleLogicalId('stateMachine')] = stateMachineRole(names);
  Resources[STATE_MACHINE_LOG_GROUP_ID] = stateMachineLogGroup(names);
  return {
    Resources,
    Outputs: {
      DataBucket: {
        Description: 'The bucket of inputs (anywhere), results (out/) and job work (work/)',
        Value: { Ref: 'DataBucket' },
      },
      StateMachineArn: {
        Description: 'The state machine that runs every job',
        Value: { Ref: STATE_MACHINE_ID },
      },
    },
  };
}

/** EventBridge's limit on a rule's name. */
const RULE_NAME_MAX = 64;

/**
 * A rule name within EventBridge's limit; a cut name ends in a hash of the whole, so two stay apart.
 *
 * @example
 * ```ts
 * ruleName('stepmr-dev-clicks-arrivals'); // as it is: within 64 characters
 * ```
 */
export function ruleName(full: string): string {
  if (full.length <= RULE_NAME_MAX) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, RULE_NAME_MAX - hash.length - 1)}-${hash}`;
}

/**
 * The scheduler function's EventBridge schedule events, one per schedule of `stepmr.config.ts`: each
 * sends `{ schedule, time }`, the time being the event's scheduled time.
 *
 * @example
 * ```ts
 * scheduleEvents(config); // [{ schedule: { name: 'stepmr-dev-wordcount-nightly', rate: ['cron(0 3 * * ? *)'], … } }]
 * ```
 */
export function scheduleEvents(config: StepmrConfig, names: StackNames): Json[] {
  return Object.entries(config.schedules ?? {}).map(([name, schedule]) => ({
    schedule: {
      name: ruleName(`${stackNames(names).stack}-${name}`),
      description: `stepmr: run job ${schedule.job} (${name})`,
      rate: [schedule.schedule],
      enabled: schedule.enabled ?? true,
      inputTransformer: {
        inputPathsMap: { time: '$.time' },
        inputTemplate: `{"schedule":${JSON.stringify(name)},"time":<time>}`,
      },
    },
  }));
}
