export {
  InvalidKeyError,
  InvalidShuffleOptionsError,
  ShuffleCorruptError,
  ShuffleIoError,
} from './errors.js';
export { parseFooter, readShuffleIndex } from './footer.js';
export { FORMAT_VERSION, INDEX_ENTRY_BYTES, type RunIndexEntry, TRAILER_BYTES } from './format.js';
export { compareEncoded, decodeKey, encodeKey } from './keyCodec.js';
export { keyLabel } from './keyLabel.js';
export { MapOutputBuffer, type MapOutputBufferOptions, type ShuffleOutput } from './MapOutputBuffer.js';
export { type KeyGroup, type MergeRunsOptions, mergeRuns, readRun } from './mergeRuns.js';
export { partitionOf } from './partitioner.js';
export type { RunCheck, RunSource } from './RunCursor.js';
export { nodeShuffleFs, type ShuffleFs } from './shuffleFs.js';
