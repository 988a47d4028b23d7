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
export type { ScheduleConfig, StepmrConfig } from './deploy/config.js';
export { defineConfig } from './deploy/config.js';
export { StepmrError } from './errors.js';
export { createHandlers } from './handlers/createHandlers.js';
export type { ConfigSource, DeployedOptions } from './handlers/deployedDeps.js';
export { csv, csvOutput, jsonLines, jsonLinesOutput, lines, textOutput } from './io/index.js';
export type { Emit, Job, JobDefinition, JobOptions, MapContext } from './job/defineJob.js';
export { defineJob, isJob } from './job/defineJob.js';
export type { RunOptions } from './job/options.js';
export type { InputFormat, Key, OutputFormat, RecordPosition, Split } from './job/types.js';
export { RedriveError } from './plan/planRedrive.js';
export type {
  EmbeddedExecution,
  EmbeddedRedrive,
  EmbeddedRun,
  RunSummary,
} from './runtime/embedded/runEmbedded.js';
export { redriveEmbedded, runEmbedded } from './runtime/embedded/runEmbedded.js';
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
export type { SuccessManifest } from './tasks/manifest.js';
