/**
 * The Amazon States Language, as the engine reads it (JSONPath query language). Field names
 * are AWS's own; see https://states-language.net/spec.html and the Step Functions guide.
 */

/** A top-level state machine, or the processor of a Map state, or a Parallel branch. */
export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, StateDefinition>>;
  readonly Comment?: string;
  readonly Version?: string;
  readonly TimeoutSeconds?: number;
  readonly QueryLanguage?: string;
}

/** One entry of a state's `Retry` array. */
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

/** One entry of a state's `Catch` array. */
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

export interface TaskState extends Common, Handles {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number;
  readonly HeartbeatSecondsPath?: string;
}

export interface PassState extends Common {
  readonly Type: 'Pass';
  readonly Result?: unknown;
  readonly Parameters?: unknown;
  readonly ResultPath?: string | null;
}

/** A Choice rule: `Variable` with one comparison operator, or `And` / `Or` / `Not`. */
export interface ChoiceRule {
  readonly Variable?: string;
  readonly And?: readonly ChoiceRule[];
  readonly Or?: readonly ChoiceRule[];
  readonly Not?: ChoiceRule;
  readonly Next?: string;
  readonly [operator: string]: unknown;
}

export interface ChoiceState extends Common {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

export interface WaitState extends Common {
  readonly Type: 'Wait';
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

export interface SucceedState extends Common {
  readonly Type: 'Succeed';
}

export interface FailState extends Common {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
}

export interface ParallelState extends Common, Handles {
  readonly Type: 'Parallel';
  readonly Branches: readonly StateMachineDefinition[];
}

/** The processor of a Map state (`ItemProcessor`, or the legacy `Iterator`). */
export interface ItemProcessorDefinition extends StateMachineDefinition {
  readonly ProcessorConfig?: {
    readonly Mode?: 'INLINE' | 'DISTRIBUTED';
    readonly ExecutionType?: 'EXPRESS' | 'STANDARD';
  };
}

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

export interface ItemBatcherDefinition {
  readonly MaxItemsPerBatch?: number;
  readonly MaxItemsPerBatchPath?: string;
  readonly MaxInputBytesPerBatch?: number;
  readonly MaxInputBytesPerBatchPath?: string;
  readonly BatchInput?: unknown;
}

export interface ResultWriterDefinition {
  readonly Resource?: string;
  readonly Parameters?: unknown;
  readonly WriterConfig?: {
    readonly Transformation?: 'NONE' | 'COMPACT' | 'FLATTEN';
    readonly OutputType?: 'JSON';
  };
}

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

/** Any state. */
export type StateDefinition =
  | TaskState
  | PassState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;
