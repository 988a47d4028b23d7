export type {
  Catcher,
  ChoiceRule,
  ChoiceState,
  FailState,
  ItemBatcherDefinition,
  ItemProcessorDefinition,
  ItemReaderDefinition,
  MapState,
  ParallelState,
  PassState,
  ResultWriterDefinition,
  Retrier,
  StateDefinition,
  StateMachineDefinition,
  SucceedState,
  TaskState,
  WaitState,
} from './asl.js';
export { validateDefinition } from './definition.js';
export { Engine } from './Engine.js';
export {
  DefinitionError,
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  ExecutionNotRedrivableError,
  InvalidExecutionInputError,
  InvalidNameError,
  ResourceNotFoundError,
  StatesError,
} from './errors.js';
export type { EngineEvent, EngineListener } from './events.js';
export type { FunctionError, InvokeOptions, InvokeResult, Invoker } from './Invoker.js';
export { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
export { defaultDeps, type EngineDeps, type EngineOptions } from './options.js';
export type {
  DescribeExecutionOutput,
  DescribeMapRunOutput,
  Execution,
  ExecutionListItem,
  ExecutionStatus,
  MapRunCounts,
  MapRunListItem,
  MapRunStatus,
  StartExecutionInput,
} from './types.js';
