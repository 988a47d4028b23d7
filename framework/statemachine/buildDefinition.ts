import { taskRetry } from './retry.js';

/** The Lambda functions a job's state machine calls, by ARN. */
export interface JobFunctions {
  readonly map: string;
  readonly reduce: string;
  readonly collect: string;
}

/** What shapes a job's state machine. */
export interface DefinitionOptions {
  /** Job name, for the definition's comment. */
  readonly name: string;
  readonly functions: JobFunctions;
  /** True when the job has a reducer: adds the shuffle and reduce stages. */
  readonly hasReduce: boolean;
  /** Splits per map task (ItemBatcher); small splits are grouped to save invocations. @default 1 */
  readonly splitsPerTask?: number;
  /** Partitions per reduce task. @default 1 */
  readonly partitionsPerTask?: number;
  /** Child executions running at once per stage; 0 lets Step Functions choose (up to 10,000). @default 0 */
  readonly maxConcurrency?: number;
  /** Failed map tasks tolerated, in percent of all map tasks. @default 0 */
  readonly toleratedFailurePercentage?: number;
  /** Failed map tasks tolerated, as a count. @default 0 */
  readonly toleratedFailureCount?: number;
  /** Child workflow type; tasks are idempotent, so the cheaper EXPRESS is safe. @default 'EXPRESS' */
  readonly executionType?: 'EXPRESS' | 'STANDARD';
}

const ABORT = 'Abort';
const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: ABORT }];

function lambdaTask(functionArn: string, payload: Record<string, unknown>, extra: Record<string, unknown>) {
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
  functionArn: string,
  perTask: number,
  options: DefinitionOptions,
  tolerance: Record<string, number>,
) {
  return {
    Type: 'Map',
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { 'Bucket.$': '$.bucket', 'Key.$': `States.Format('{}${itemsKey}', $.prefix)` },
    },
    ItemBatcher: {
      MaxItemsPerBatch: perTask,
      BatchInput: { 'jobId.$': '$.jobId', 'bucket.$': '$.bucket', 'prefix.$': '$.prefix' },
    },
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: options.executionType ?? 'EXPRESS' },
      StartAt: taskName,
      States: {
        [taskName]: lambdaTask(
          functionArn,
          { 'BatchInput.$': '$.BatchInput', 'Items.$': '$.Items' },
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

/**
 * Builds the Amazon States Language definition of a job: a Distributed Map over the job's
 * splits, then (with a reducer) a shuffle step and a Distributed Map over the reduce
 * partitions, then the commit. Any failure goes to an abort step that cleans up, then fails.
 * The execution input is a `JobRef` (`{ jobId, bucket, prefix }`).
 *
 * @example
 * ```ts
 * const asl = buildDefinition({
 *   name: 'wordcount',
 *   hasReduce: true,
 *   functions: { map: mapArn, reduce: reduceArn, collect: collectArn },
 * });
 * console.log(JSON.stringify(asl, null, 2));
 * ```
 */
export function buildDefinition(options: DefinitionOptions): Record<string, unknown> {
  const { functions } = options;
  const mapTolerance: Record<string, number> = {};
  if (options.toleratedFailurePercentage)
    mapTolerance.ToleratedFailurePercentage = options.toleratedFailurePercentage;
  if (options.toleratedFailureCount) mapTolerance.ToleratedFailureCount = options.toleratedFailureCount;
  const states: Record<string, unknown> = {
    Map: {
      ...distributedMap(
        'MapTask',
        'splits.jsonl',
        'results/map',
        functions.map,
        options.splitsPerTask ?? 1,
        options,
        mapTolerance,
      ),
      ResultSelector: { 'Bucket.$': '$.ResultWriterDetails.Bucket', 'Key.$': '$.ResultWriterDetails.Key' },
      ResultPath: '$.map',
      Next: options.hasReduce ? 'Shuffle' : 'Commit',
    },
  };
  if (options.hasReduce) {
    states.Shuffle = lambdaTask(
      functions.collect,
      { action: 'prepareReduce', ...ref, 'map.$': '$.map' },
      {
        ResultSelector: { 'partitions.$': '$.Payload.partitions' },
        ResultPath: '$.shuffle',
        Next: 'Reduce',
        Catch: catchAll,
      },
    );
    states.Reduce = {
      ...distributedMap(
        'ReduceTask',
        'partitions.jsonl',
        'results/reduce',
        functions.reduce,
        options.partitionsPerTask ?? 1,
        options,
        {},
      ),
      ResultSelector: { 'Bucket.$': '$.ResultWriterDetails.Bucket', 'Key.$': '$.ResultWriterDetails.Key' },
      ResultPath: '$.reduce',
      Next: 'Commit',
    };
  }
  const commitPayload: Record<string, unknown> = { action: 'commit', ...ref, 'map.$': '$.map' };
  if (options.hasReduce) commitPayload['reduce.$'] = '$.reduce';
  states.Commit = lambdaTask(functions.collect, commitPayload, {
    OutputPath: '$.Payload',
    Next: 'Done',
    Catch: catchAll,
  });
  states.Done = { Type: 'Succeed' };
  states[ABORT] = lambdaTask(
    functions.collect,
    { action: 'abort', ...ref, 'error.$': '$.error' },
    {
      ResultPath: null,
      Next: 'Failed',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Failed' }],
    },
  );
  states.Failed = { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' };
  return {
    Comment: `stepmr job ${options.name}: map${options.hasReduce ? ', shuffle, reduce' : ''}, commit`,
    StartAt: 'Map',
    States: states,
  };
}
