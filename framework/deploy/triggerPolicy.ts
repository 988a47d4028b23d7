import { allow, arn, bucketArn, type Json, MULTIPART, objects } from './iam.js';
import { BUCKET_LAYOUT } from './layout.js';
import { TRIGGER_DLQ_ID } from './streamRules.js';
import type { DeployedStream } from './streams.js';

/**
 * The trigger function's least privilege, beyond its own logs: per stream, read and list its
 * source prefix (the listing is the truth of what arrived), read and write its checkpoint
 * `streams/<name>/` (the offsets, commits and compaction logs; deleting there too), read its
 * results `out/streams/<name>/` and delete its old states there (update mode's `snapshot=*`, a
 * windowed stream's `_state/*`); write job plans under `work/` as the scheduler function
 * does; start executions of the stack's state
 * machine and look up the stream's batch executions (`<name>-b*`) by name. No `*`
 * resource, no delete elsewhere, no other bucket; with no streams, nothing.
 *
 * @example
 * ```ts
 * const statements = triggerStatements(deployedStreams(config), stateMachineArn);
 * ```
 */
export function triggerStatements(streams: readonly DeployedStream[], stateMachineArn: string): Json[] {
  if (streams.length === 0) return [];
  const work = BUCKET_LAYOUT.work;
  const read = streams.flatMap((s) => [s.prefix, s.checkpoint, s.output]);
  const executions = stateMachineArn.replace(':stateMachine:', ':execution:');
  return [
    allow(['s3:ListBucket'], bucketArn, {
      StringLike: { 's3:prefix': [...read, work].map((p) => `${p}*`) },
    }),
    allow(['s3:GetObject'], read.map(objects)),
    allow(['s3:PutObject', ...MULTIPART], [...streams.map((s) => objects(s.checkpoint)), objects(work)]),
    // Compaction replaces old checkpoint entries; a claim that lost a race removes its own; a
    // batch that starts removes the states no batch needs any more, and nothing else of out/.
    allow(
      ['s3:DeleteObject'],
      [...streams.map((s) => objects(s.checkpoint)), ...stateFolders(streams).map(objects)],
    ),
    allow(['states:StartExecution'], arn(stateMachineArn)),
    // Lambda sends the events the function failed on to the dead-letter queue as this role.
    allow(['sqs:SendMessage'], { 'Fn::GetAtt': [TRIGGER_DLQ_ID, 'Arn'] }),
    allow(
      ['states:DescribeExecution'],
      streams.map((s) => arn(`${executions}:${s.name}-b*`)),
    ),
  ];
}

/**
 * What the reduce function's role needs for streams, beyond its job's working objects: a batch's
 * reducers read the state they merge, update mode's previous snapshot (`out/streams/<name>/snapshot=*`)
 * or a windowed stream's open windows (`out/streams/<name>/_state/*`), and a windowed batch's
 * write its open windows there. Nothing for append streams without windows.
 *
 * @example
 * ```ts
 * const statements = reduceStateStatements(deployedStreams(config));
 * ```
 */
export function reduceStateStatements(streams: readonly DeployedStream[]): Json[] {
  const read = stateFolders(streams);
  const write = streams.flatMap((s) => (s.state === 'windows' ? [`${s.output}_state/`] : []));
  return [
    ...(read.length ? [allow(['s3:GetObject'], read.map(objects))] : []),
    ...(write.length ? [allow(['s3:PutObject', ...MULTIPART], write.map(objects))] : []),
  ];
}

/** Where streams keep state: update mode's `out/streams/<name>/snapshot=`, a windowed stream's `out/streams/<name>/_state/`. */
function stateFolders(streams: readonly DeployedStream[]): string[] {
  return streams.flatMap((s) =>
    s.state === 'snapshot' ? [`${s.output}snapshot=`] : s.state === 'windows' ? [`${s.output}_state/`] : [],
  );
}
