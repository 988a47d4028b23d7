export type { Aggregate, MeanState, SumState } from './aggregate/index.js';
export {
  AggregateValueError,
  addSums,
  count,
  fields,
  max,
  mean,
  min,
  roundSum,
  sum,
} from './aggregate/index.js';
export type {
  CommitEntry,
  CompactEntry,
  OffsetEntry,
  Rewrite,
  SourceObject,
} from './contract/stream.js';
export { padBatch, streamKeys } from './contract/stream.js';
export type { CallAllowList } from './delegate/allowList.js';
export type {
  CallOptions,
  EndpointOptions,
  Gateway,
  LambdaFunction,
  Resource,
} from './delegate/builders.js';
export { gateway, http, lambda } from './delegate/builders.js';
export type { CallDeps } from './delegate/deps.js';
export { CallAuthError, InvalidCallPolicyError, InvalidTaskError } from './delegate/errors.js';
export type { GovernorStats } from './delegate/Governor.js';
export type { CallItem, CallRun, DelegateOptions, RunCallsOptions } from './delegate/runCalls.js';
export { createCallRun, delegate, runCalls } from './delegate/runCalls.js';
export type {
  CallAuth,
  CallError,
  CallPolicy,
  DelegateResult,
  DelegateTask,
  HttpTask,
  LambdaTask,
} from './delegate/types.js';
export type { DelegatesConfig, ScheduleConfig, StepmrConfig } from './deploy/config.js';
export { defineConfig } from './deploy/config.js';
export { StepmrError } from './errors.js';
export { createHandlers } from './handlers/createHandlers.js';
export type { ConfigSource, DeployedOptions } from './handlers/deployedDeps.js';
export { csv, csvOutput, jsonLines, jsonLinesOutput, lines, textOutput } from './io/index.js';
export type {
  CallLimits,
  DelegateJobDefinition,
  Emit,
  Job,
  JobDefinition,
  JobOptions,
  MapContext,
} from './job/defineJob.js';
export { defineJob, isJob } from './job/defineJob.js';
export type { RunOptions } from './job/options.js';
export type { InputFormat, Key, OutputFormat, RecordPosition, Split } from './job/types.js';
export { RedriveError } from './plan/planRedrive.js';
export { redriveEmbedded, runEmbedded, runStreamEmbedded } from './runtime/embedded/embeddedApi.js';
export type {
  EmbeddedExecution,
  EmbeddedRedrive,
  EmbeddedRun,
  RunSummary,
} from './runtime/embedded/runEmbedded.js';
export type { BatchReport, CrashHook, StreamStep } from './runtime/embedded/streamBatch.js';
export type { EmbeddedStream, StreamRunSummary } from './runtime/embedded/streamEmbedded.js';
export { keyLabel } from './shuffle/keyLabel.js';
export type { DefinitionOptions, JobFunctions } from './statemachine/buildDefinition.js';
export { buildDefinition } from './statemachine/buildDefinition.js';
export {
  ConditionalRequestConflictError,
  ObjectNotFoundError,
  PreconditionFailedError,
  StoreLockError,
  StoreRequestError,
} from './store/errors.js';
export { FileStore } from './store/FileStore.js';
export { registerS3Opener, S3Store } from './store/S3Store.js';
export type { ByteRange, ObjectInfo, Store, VersionedObject } from './store/Store.js';
export type { CheckpointState } from './stream/checkpoint.js';
export { readCheckpoint, readCommit, readOffsets } from './stream/checkpoint.js';
export type { Claim, ClaimRequest, PublishedBatch, StreamSource } from './stream/claim.js';
export { claimNextBatch, commitBatch } from './stream/claim.js';
export type {
  AppendStreamDefinition,
  Stream,
  StreamDefinition,
  StreamSettings,
  TriggerDefinition,
  UpdateStreamDefinition,
  WindowedStreamDefinition,
} from './stream/defineStream.js';
export { defineStream, isStream } from './stream/defineStream.js';
export type { DelegateStreamDefinition } from './stream/delegateStream.js';
export { parseDuration, rateExpression } from './stream/duration.js';
export {
  CheckpointError,
  StreamBusyError,
  StreamCrashError,
  StreamDefinitionError,
} from './stream/errors.js';
export type { SnapshotLocation } from './stream/publish.js';
export {
  batchFolder,
  batchJobId,
  isBatchJobId,
  previousSnapshot,
  publishedBatch,
  STREAMS_PREFIX,
  streamPrefixes,
} from './stream/publish.js';
export type { TumblingWindow } from './stream/window.js';
export { tumbling, windowStart } from './stream/window.js';
export { previousState } from './stream/windowState.js';
export type { SuccessManifest } from './tasks/manifest.js';
