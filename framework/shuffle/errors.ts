import { StepmrError } from '../errors.js';

/**
 * A key that stepmr cannot encode: keys are strings (well-formed Unicode), finite numbers,
 * booleans, `null`, or arrays of keys. Not retryable: the same record emits the same key again.
 *
 * @example
 * ```ts
 * try {
 *   encodeKey({ id: 1 } as unknown as Key);
 * } catch (error) {
 *   if (error instanceof InvalidKeyError) console.error(error.message);
 * }
 * ```
 */
export class InvalidKeyError extends StepmrError {
  override readonly name = 'InvalidKeyError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * A shuffle file or run that does not parse: a bad footer, a truncated entry, a checksum or
 * order mismatch. The message names the object and the byte offset. Not retryable: reading the
 * same bytes again fails again; rerun the map task that wrote the object.
 *
 * @example
 * ```ts
 * throw new ShuffleCorruptError('shuffle/map-3.smr: bad magic at byte 1040; rerun map task 3');
 * ```
 */
export class ShuffleCorruptError extends StepmrError {
  override readonly name = 'ShuffleCorruptError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * Writing a spill or shuffle file failed (disk full, a closed directory). Retryable: a fresh
 * worker with an empty local disk may succeed.
 *
 * @example
 * ```ts
 * throw new ShuffleIoError('cannot write spill /tmp/spill-1.smr: ENOSPC', { cause: error });
 * ```
 */
export class ShuffleIoError extends StepmrError {
  override readonly name = 'ShuffleIoError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * Options of a shuffle component that cannot work (no partitions, a budget of 0 bytes).
 *
 * @example
 * ```ts
 * new MapOutputBuffer({ partitions: 0, memoryBudgetBytes: 1 << 20, spillDir: '/tmp' }); // throws
 * ```
 */
export class InvalidShuffleOptionsError extends StepmrError {
  override readonly name = 'InvalidShuffleOptionsError';

  constructor(message: string) {
    super(message, { retryable: false });
  }
}
