import { StepmrError } from '../errors.js';

/**
 * A stream definition that cannot run: the message names the field and what to write instead.
 *
 * @example
 * ```ts
 * defineStream({ name: 'clicks', source: { prefix: '' }, input, map }); // throws StreamDefinitionError
 * ```
 */
export class StreamDefinitionError extends StepmrError {
  override readonly name = 'StreamDefinitionError';
}

/**
 * A stream's checkpoint that does not belong to it or contradicts itself (an entry of another
 * stream, a commit without its offsets entry): the message names the entry.
 *
 * @example
 * ```ts
 * await claimNextBatch(request); // rejects with CheckpointError if offsets/0000000003 names another stream
 * ```
 */
export class CheckpointError extends StepmrError {
  override readonly name = 'CheckpointError';
}

/**
 * Raised by a crash hook at a named step, in tests, to stop a stream's driver there as a crash
 * would: whatever the step left stays as it is.
 *
 * @example
 * ```ts
 * await runStream({ ...options, crashAt: (step) => { if (step === 'after-offset') throw new StreamCrashError(step); } });
 * ```
 */
export class StreamCrashError extends StepmrError {
  override readonly name = 'StreamCrashError';

  constructor(readonly step: string) {
    super(`stream driver stopped at step ${step} (an injected crash)`);
  }
}

/**
 * Another driver runs the stream on this checkpoint: the message names it and what to do.
 *
 * @example
 * ```ts
 * await runStreamEmbedded(options); // rejects with StreamBusyError while another stepmr stream runs it
 * ```
 */
export class StreamBusyError extends StepmrError {
  override readonly name = 'StreamBusyError';
}
