/**
 * The Amazon States Language, as the engine reads it (JSONPath query language). Field names
 * are AWS's own; see https://states-language.net/spec.html and the Step Functions guide.
 */

/**
 * A top-level state machine, a Map's ItemProcessor or a Parallel branch.
 *
 * @example
 * ```ts
 * const hello: StateMachineDefinition = { StartAt: 'Hi', States: { Hi: { Type: 'Pass', End: true } } };
 * ```
 */
export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, StateDefinition>>;
  readonly Comment?: string;
  readonly Version?: string;
  readonly TimeoutSeconds?: number;
  readonly QueryLanguage?: string;
}

/**
 * One entry of a state's `Retry` array.
 *
 * @example
 * ```ts
 * const retrier: Retrier = { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 2, MaxAttempts: 6 };
 * ```
 */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  /** @default 1 */
  readonly IntervalSeconds?: number;
  /** @default 3 */
  readonly MaxAttempts?: number;
  /** @default 2 */
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  /** @default 'NONE' */
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * One entry of a state's `Catch` array.
 *
 * @example
 * ```ts
 * const catcher: Catcher = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Abort' };
 * ```
 */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

interface Common {
  readonly Comment?: string;
  readonly QueryLanguage?: string;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
  readonly Next?: string;
  readonly End?: boolean;
}

interface Handles {
  readonly Parameters?: unknown;
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/**
 * A Task state (a Lambda function, through `lambda:invoke` or its ARN).
 *
 * @example
 * ```ts
 * const task: TaskState = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true };
 * ```
 */
export interface TaskState extends Common, Handles {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number;
  readonly HeartbeatSecondsPath?: string;
}

/**
 * A Pass state.
 *
 * @example
 * ```ts
 * const pass: PassState = { Type: 'Pass', Result: { ok: true }, ResultPath: '$.status', Next: 'Go' };
 * ```
 */
export interface PassState extends Common {
  readonly Type: 'Pass';
  readonly Result?: unknown;
  readonly Parameters?: unknown;
  readonly ResultPath?: string | null;
}

/**
 * A Choice rule: `Variable` with one comparison operator, or `And` / `Or` / `Not`.
 *
 * @example
 * ```ts
 * const rule: ChoiceRule = { Variable: '$.count', NumericGreaterThan: 0, Next: 'Process' };
 * ```
 */
export interface ChoiceRule {
  readonly Variable?: string;
  readonly And?: readonly ChoiceRule[];
  readonly Or?: readonly ChoiceRule[];
  readonly Not?: ChoiceRule;
  readonly Next?: string;
  readonly [operator: string]: unknown;
}

/**
 * A Choice state.
 *
 * @example
 * ```ts
 * const choice: ChoiceState = { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }], Default: 'Fail' };
 * ```
 */
export interface ChoiceState extends Common {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

/**
 * A Wait state.
 *
 * @example
 * ```ts
 * const wait: WaitState = { Type: 'Wait', Seconds: 10, Next: 'Poll' };
 * ```
 */
export interface WaitState extends Common {
  readonly Type: 'Wait';
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

/**
 * A Succeed state.
 *
 * @example
 * ```ts
 * const done: SucceedState = { Type: 'Succeed' };
 * ```
 */
export interface SucceedState extends Common {
  readonly Type: 'Succeed';
}

/**
 * A Fail state.
 *
 * @example
 * ```ts
 * const failed: FailState = { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' };
 * ```
 */
export interface FailState extends Common {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
}

/**
 * A Parallel state.
 *
 * @example
 * ```ts
 * const both: ParallelState = { Type: 'Parallel', Branches: [a, b], End: true };
 * ```
 */
export interface ParallelState extends Common, Handles {
  readonly Type: 'Parallel';
  readonly Branches: readonly StateMachineDefinition[];
}

/**
 * The processor of a Map state (`ItemProcessor`, or the legacy `Iterator`).
 *
 * @example
 * ```ts
 * const processor: ItemProcessorDefinition = { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }, StartAt: 'T', States };
 * ```
 */
export interface ItemProcessorDefinition extends StateMachineDefinition {
  readonly ProcessorConfig?: {
    readonly Mode?: 'INLINE' | 'DISTRIBUTED';
    readonly ExecutionType?: 'EXPRESS' | 'STANDARD';
  };
}

/**
 * A Distributed Map's `ItemReader` (`arn:aws:states:::s3:getObject`).
 *
 * @example
 * ```ts
 * const reader: ItemReaderDefinition = { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' }, Parameters: { Bucket: 'b', Key: 'k' } };
 * ```
 */
export interface ItemReaderDefinition {
  readonly Resource: string;
  readonly Parameters?: unknown;
  readonly ReaderConfig?: {
    readonly InputType?: 'JSON' | 'JSONL' | 'CSV';
    readonly CSVHeaderLocation?: 'FIRST_ROW' | 'GIVEN';
    readonly CSVHeaders?: readonly string[];
    readonly CSVDelimiter?: 'COMMA' | 'PIPE' | 'SEMICOLON' | 'SPACE' | 'TAB';
    readonly MaxItems?: number;
    readonly MaxItemsPath?: string;
  };
}

/**
 * A Distributed Map's `ItemBatcher`.
 *
 * @example
 * ```ts
 * const batcher: ItemBatcherDefinition = { MaxItemsPerBatch: 100, BatchInput: { 'jobId.$': '$.jobId' } };
 * ```
 */
export interface ItemBatcherDefinition {
  readonly MaxItemsPerBatch?: number;
  readonly MaxItemsPerBatchPath?: string;
  readonly MaxInputBytesPerBatch?: number;
  readonly MaxInputBytesPerBatchPath?: string;
  readonly BatchInput?: unknown;
}

/**
 * A Distributed Map's `ResultWriter` (`arn:aws:states:::s3:putObject`).
 *
 * @example
 * ```ts
 * const writer: ResultWriterDefinition = { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'results' } };
 * ```
 */
export interface ResultWriterDefinition {
  readonly Resource?: string;
  readonly Parameters?: unknown;
  readonly WriterConfig?: {
    readonly Transformation?: 'NONE' | 'COMPACT' | 'FLATTEN';
    readonly OutputType?: 'JSON';
  };
}

/**
 * A Map state, inline or distributed.
 *
 * @example
 * ```ts
 * const map: MapState = { Type: 'Map', ItemsPath: '$.items', ItemProcessor: processor, MaxConcurrency: 10, End: true };
 * ```
 */
export interface MapState extends Common, Handles {
  readonly Type: 'Map';
  readonly ItemsPath?: string;
  readonly ItemSelector?: unknown;
  readonly ItemProcessor?: ItemProcessorDefinition;
  readonly Iterator?: ItemProcessorDefinition;
  readonly MaxConcurrency?: number;
  readonly MaxConcurrencyPath?: string;
  readonly ItemReader?: ItemReaderDefinition;
  readonly ItemBatcher?: ItemBatcherDefinition;
  readonly ResultWriter?: ResultWriterDefinition;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailurePercentagePath?: string;
  readonly ToleratedFailureCount?: number;
  readonly ToleratedFailureCountPath?: string;
  readonly Label?: string;
}

/**
 * Any state.
 *
 * @example
 * ```ts
 * const states: Record<string, StateDefinition> = { Done: { Type: 'Succeed' } };
 * ```
 */
export type StateDefinition =
  | TaskState
  | PassState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;
