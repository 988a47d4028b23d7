import { ConfigError } from './config.js';
import type { DeployedStream } from './streams.js';

type Json = Record<string, unknown>;

/** The logical id of the trigger function (serverless.yml's `trigger`). */
export const TRIGGER_FUNCTION_ID = 'TriggerLambdaFunction';
/** The logical id of the queue that keeps the events the trigger function could not take. */
export const TRIGGER_DLQ_ID = 'StreamTriggerDeadLetterQueue';
/** The logical id of the rule on the batch executions' ends. */
export const BATCH_END_RULE_ID = 'StreamBatchEndRule';

/** How EventBridge retries a delivery to the trigger function before the event goes to the queue. */
export const TRIGGER_RETRY_POLICY = { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 } as const;
/** Days the dead-letter queue keeps an event: SQS's longest. */
const DLQ_RETENTION_SECONDS = 14 * 86_400;
/** The ends of a batch execution after which the next batch may start. */
export const BATCH_END_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

const getAtt = (id: string, attribute = 'Arn'): Json => ({ 'Fn::GetAtt': [id, attribute] });

/** `click-stream` → `ClickStream`, a name usable in logical ids. */
function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => `${part[0]?.toUpperCase() ?? ''}${part.slice(1)}`)
    .join('');
}

/**
 * The logical ids of a stream's rules: `Stream<Name>ArrivalRule` and `Stream<Name>ScheduleRule`.
 *
 * @example
 * ```ts
 * streamRuleIds('clicks'); // { arrival: 'StreamClicksArrivalRule', schedule: 'StreamClicksScheduleRule' }
 * ```
 */
export function streamRuleIds(name: string) {
  return { arrival: `Stream${pascal(name)}ArrivalRule`, schedule: `Stream${pascal(name)}ScheduleRule` };
}

/** A target on the trigger function, with its retries and dead-letter queue. */
function target(inputTemplate: string): Json {
  return {
    Id: 'trigger',
    Arn: getAtt(TRIGGER_FUNCTION_ID),
    InputTransformer: { InputTemplate: inputTemplate },
    RetryPolicy: { ...TRIGGER_RETRY_POLICY },
    DeadLetterConfig: { Arn: getAtt(TRIGGER_DLQ_ID) },
  };
}

/** The input a stream's rule sends: the stream's name and the whole event. */
const streamInput = (name: string) => `{"stream":${JSON.stringify(name)},"event":<aws.events.event.json>}`;

function rule(name: string, description: string, body: Json, input: string): Json {
  return {
    Type: 'AWS::Events::Rule',
    Properties: { Name: name, Description: description, State: 'ENABLED', ...body, Targets: [target(input)] },
  };
}

/** EventBridge may invoke the trigger function for this rule only. */
function permission(ruleId: string): Json {
  return {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: getAtt(TRIGGER_FUNCTION_ID),
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(ruleId),
    },
  };
}

/** The names of the stack's rules, within EventBridge's limit. */
export type RuleNamer = (suffix: string) => string;

/**
 * The EventBridge resources of the streams of `stepmr.config.ts`, all targeting the trigger
 * function: per stream a rule on S3 "Object Created" under its source prefix in the data bucket
 * and a schedule of its `every` (a safety net for a lost event), each sending `{ stream, event }`; one rule on the ends of the
 * state machine's batch executions (`<stream>-b<N>`, `<stream>-b<N>-r<k>`), so the next batch starts
 * as soon as one ends. Every target retries (`TRIGGER_RETRY_POLICY`) and then leaves the event in
 * one encrypted dead-letter queue that only these rules may send to, where the function's own
 * failures go too, after Lambda's two retries; each rule has its own
 * permission to invoke the function. No streams, no resources.
 *
 * @example
 * ```ts
 * const resources = streamResources(deployedStreams(config), (s) => `stepmr-dev-${s}`);
 * ```
 */
export function streamResources(streams: readonly DeployedStream[], ruleName: RuleNamer): Json {
  if (streams.length === 0) return {};
  const resources: Json = {};
  const ruleIds: string[] = [];
  const add = (id: string, resource: Json) => {
    if (resources[id]) {
      throw new ConfigError(
        `stepmr.config.ts: two streams make the same rule ${id}; rename one (names differing only in '-' and case collide)`,
      );
    }
    resources[id] = resource;
    resources[`${id}Permission`] = permission(id);
    ruleIds.push(id);
  };
  for (const stream of streams) {
    const ids = streamRuleIds(stream.name);
    const arrivals = {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: 'DataBucket' }] }, object: { key: [{ prefix: stream.prefix }] } },
      },
    };
    add(
      ids.arrival,
      rule(
        ruleName(`${stream.name}-arrivals`),
        `stepmr stream ${stream.name}: objects under ${stream.prefix}`,
        arrivals,
        streamInput(stream.name),
      ),
    );
    add(
      ids.schedule,
      rule(
        ruleName(`${stream.name}-every`),
        `stepmr stream ${stream.name}: a batch ${stream.rate}`,
        { ScheduleExpression: stream.rate },
        streamInput(stream.name),
      ),
    );
  }
  const batchEnds = {
    EventPattern: {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        stateMachineArn: [{ Ref: 'JobsStateMachine' }],
        status: [...BATCH_END_STATUSES],
        name: streams.map((s) => ({ prefix: `${s.name}-b` })),
      },
    },
  };
  add(
    BATCH_END_RULE_ID,
    rule(
      ruleName('stream-batch-ends'),
      'stepmr streams: the next batch when one ends',
      batchEnds,
      '{"event":<aws.events.event.json>}',
    ),
  );
  // The function's own failures (a throttled claim, an error) are retried by Lambda, then kept
  // in the same queue: EventBridge's retries and dead letters cover only failed deliveries.
  resources.TriggerEventInvokeConfig = {
    Type: 'AWS::Lambda::EventInvokeConfig',
    Properties: {
      FunctionName: { Ref: TRIGGER_FUNCTION_ID },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: TRIGGER_RETRY_POLICY.MaximumEventAgeInSeconds,
      DestinationConfig: { OnFailure: { Destination: getAtt(TRIGGER_DLQ_ID) } },
    },
  };
  resources[TRIGGER_DLQ_ID] = {
    Type: 'AWS::SQS::Queue',
    Properties: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
  };
  resources[`${TRIGGER_DLQ_ID}Policy`] = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: TRIGGER_DLQ_ID }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: getAtt(TRIGGER_DLQ_ID),
            Condition: { ArnEquals: { 'aws:SourceArn': ruleIds.map((id) => getAtt(id)) } },
          },
        ],
      },
    },
  };
  return resources;
}
