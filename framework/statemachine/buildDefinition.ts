import type { Catcher, MapState, StateDefinition, StateMachineDefinition, TaskState } from '../engine/asl.js';
import { taskRetry } from './retry.js';

/**
 * A Lambda function the state machine calls: its ARN, or (in a CloudFormation template) an
 * expression that gives the ARN, such as `{ 'Fn::GetAtt': ['MapLambdaFunction', 'Arn'] }`.
 */
export type FunctionRef = string | Readonly<Record<string, unknown>>;

/** The Lambda functions the state machine calls. */
export interface JobFunctions {
  readonly map: FunctionRef;
  readonly reduce: FunctionRef;
  readonly collect: FunctionRef;
  /** Makes a delegate job's calls. Without it the definition has no delegate stage. */
  readonly delegate?: FunctionRef;
}

/** What shapes the state machine. Everything that differs between jobs and runs is in the execution input. */
export interface DefinitionOptions {
  readonly functions: JobFunctions;
  /** Child executions running at once per stage; 0 lets Step Functions choose (up to 10,000). @default 0 */
  readonly maxConcurrency?: number;
  /** Child workflow type; tasks are idempotent, so the cheaper EXPRESS is safe. @default 'EXPRESS' */
  readonly executionType?: 'EXPRESS' | 'STANDARD';
}

const ABORT = 'Abort';
const catchAll: readonly Catcher[] = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: ABORT }];

function lambdaTask(
  functionArn: FunctionRef,
  payload: Record<string, unknown>,
  extra: Omit<TaskState, 'Type' | 'Resource' | 'Parameters' | 'Retry'>,
): TaskState {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionArn, Payload: payload },
    Retry: taskRetry(),
    ...extra,
  };
}

function distributedMap(
  taskName: string,
  itemsKey: string,
  resultsPrefix: string,
  functionArn: FunctionRef,
  batchPath: string,
  options: DefinitionOptions,
  tolerance: Pick<MapState, 'ToleratedFailurePercentagePath' | 'ToleratedFailureCountPath'>,
): MapState {
  return {
    Type: 'Map',
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { 'Bucket.$': '$.bucket', 'Key.$': `States.Format('{}${itemsKey}', $.prefix)` },
    },
    ItemBatcher: {
      MaxItemsPerBatchPath: batchPath,
      BatchInput: { 'jobId.$': '$.jobId', 'bucket.$': '$.bucket', 'prefix.$': '$.prefix' },
    },
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: options.executionType ?? 'EXPRESS' },
      StartAt: taskName,
      States: {
        [taskName]: lambdaTask(
          functionArn,
          { 'BatchInput.$': '$.BatchInput', 'Items.$': '$.Items', 'Attempt.$': '$$.State.RetryCount' },
          {
            OutputPath: '$.Payload',
            End: true,
          },
        ),
      },
    },
    MaxConcurrency: options.maxConcurrency ?? 0,
    ...tolerance,
    ResultWriter: {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': `States.Format('{}${resultsPrefix}', $.prefix)` },
    },
    Catch: catchAll,
  };
}

const ref = { 'jobId.$': '$.jobId', 'bucket.$': '$.bucket', 'prefix.$': '$.prefix' };
const resultWriterDetails = {
  'Bucket.$': '$.ResultWriterDetails.Bucket',
  'Key.$': '$.ResultWriterDetails.Key',
};

/**
 * A delegate job's stage, between its map stage (which turned records into tasks) and the
 * shuffle: PrepareDelegate lists the calls in input order, then a Distributed Map runs them in
 * batches on the delegate function, at most `$.run.delegateTasks` at once (the job's limits are
 * divided among them). Its results take the place of the map stage's, so the reduce stage and
 * the commit work on them as on any map output.
 */
function delegateStates(
  delegate: FunctionRef,
  collect: FunctionRef,
  options: DefinitionOptions,
): Record<string, StateDefinition> {
  const { MaxConcurrency: _, ...stage } = distributedMap(
    'DelegateTask',
    'calls.jsonl',
    'results/delegate',
    delegate,
    '$.run.callsPerTask',
    options,
    {},
  );
  return {
    HasDelegate: {
      Type: 'Choice',
      Choices: [{ Variable: '$.run.delegate', BooleanEquals: true, Next: 'PrepareDelegate' }],
      Default: 'HasReduce',
    },
    PrepareDelegate: lambdaTask(
      collect,
      { action: 'prepareDelegate', ...ref, 'map.$': '$.map' },
      {
        ResultSelector: { 'calls.$': '$.Payload.calls' },
        ResultPath: '$.calls',
        Next: 'Delegate',
        Catch: catchAll,
      },
    ),
    Delegate: {
      ...stage,
      // Tasks with large bodies make smaller batches rather than a batch past Step Functions' limit.
      ItemBatcher: { ...stage.ItemBatcher, MaxInputBytesPerBatch: 262_144 },
      MaxConcurrencyPath: '$.run.delegateTasks',
      ResultSelector: resultWriterDetails,
      ResultPath: '$.map',
      Next: 'HasReduce',
    },
  };
}

/**
 * Builds the Amazon States Language definition that runs every stepmr job: a Distributed Map
 * over the job's splits, then (for jobs with a reducer) a shuffle step and a Distributed Map
 * over the reduce partitions, then the commit; for a delegate job, a delegate stage runs the
 * calls between the map stage and the shuffle. Any failure goes to an abort step that cleans
 * up, then fails. One definition serves every job and run: the execution input (a
 * {@link JobExecutionInput}) says where the job's plan is, whether it reduces, how many splits
 * and partitions one task takes, and how many failed map tasks are tolerated.
 *
 * @example
 * ```ts
 * const asl = buildDefinition({ functions: { map: mapArn, reduce: reduceArn, collect: collectArn } });
 * console.log(JSON.stringify(asl, null, 2));
 * ```
 */
export function buildDefinition(options: DefinitionOptions): StateMachineDefinition {
  const { functions } = options;
  const states: Record<string, StateDefinition> = {
    Map: {
      ...distributedMap(
        'MapTask',
        'splits.jsonl',
        'results/map',
        functions.map,
        '$.run.splitsPerTask',
        options,
        {
          ToleratedFailurePercentagePath: '$.run.toleratedFailurePercentage',
          ToleratedFailureCountPath: '$.run.toleratedFailureCount',
        },
      ),
      ResultSelector: resultWriterDetails,
      ResultPath: '$.map',
      Next: functions.delegate ? 'HasDelegate' : 'HasReduce',
    },
    ...(functions.delegate ? delegateStates(functions.delegate, functions.collect, options) : {}),
    HasReduce: {
      Type: 'Choice',
      Choices: [{ Variable: '$.run.reduce', BooleanEquals: true, Next: 'Shuffle' }],
      Default: 'MapOnly',
    },
    MapOnly: { Type: 'Pass', Result: null, ResultPath: '$.reduce', Next: 'Commit' },
    Shuffle: lambdaTask(
      functions.collect,
      { action: 'prepareReduce', ...ref, 'map.$': '$.map' },
      {
        ResultSelector: { 'partitions.$': '$.Payload.partitions' },
        ResultPath: '$.shuffle',
        Next: 'Reduce',
        Catch: catchAll,
      },
    ),
    Reduce: {
      ...distributedMap(
        'ReduceTask',
        'partitions.jsonl',
        'results/reduce',
        functions.reduce,
        '$.run.partitionsPerTask',
        options,
        {},
      ),
      ResultSelector: resultWriterDetails,
      ResultPath: '$.reduce',
      Next: 'Commit',
    },
    Commit: lambdaTask(
      functions.collect,
      { action: 'commit', ...ref, 'map.$': '$.map', 'reduce.$': '$.reduce' },
      { OutputPath: '$.Payload', Next: 'Done', Catch: catchAll },
    ),
    Done: { Type: 'Succeed' },
    [ABORT]: lambdaTask(
      functions.collect,
      { action: 'abort', ...ref, 'error.$': '$.error' },
      {
        ResultPath: null,
        Next: 'Failed',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Failed' }],
      },
    ),
    Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  };
  return {
    Comment: 'stepmr job: map, then shuffle and reduce for jobs with a reducer, then commit',
    StartAt: 'Map',
    States: states,
  };
}
