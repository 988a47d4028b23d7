import { StepmrError } from '../errors.js';

/** A job module is missing, fails to load, or does not export a job made by `defineJob`. */
export class JobModuleError extends StepmrError {
  override readonly name = 'JobModuleError';
}

// Planning checks the output, whatever runs the job; the runtimes throw the same error.
export { OutputExistsError } from '../plan/errors.js';

/** An option has a value stepmr cannot use. */
export class InvalidOptionError extends StepmrError {
  override readonly name = 'InvalidOptionError';
}

/** A job's execution ended without success; the message carries Step Functions' error and cause. */
export class JobFailedError extends StepmrError {
  override readonly name = 'JobFailedError';
}

/** A run was cancelled (Ctrl-C, or its AbortSignal); it published nothing. */
export class JobCancelledError extends StepmrError {
  override readonly name = 'JobCancelledError';
}
