import { StepmrError } from '../errors.js';

/** A task's input or working state is not what the plan says (a missing or inconsistent object). */
export class TaskInputError extends StepmrError {
  override readonly name = 'TaskInputError';
}

/** A staged part does not match what its task reported: the commit refuses to publish it. */
export class CommitVerificationError extends StepmrError {
  override readonly name = 'CommitVerificationError';
}

/** The user's map, combine or reduce function threw; the message names the split or key. */
export class UserCodeError extends StepmrError {
  override readonly name = 'UserCodeError';
}

/** More bad records than `--max-bad-records` allows were skipped: the job fails. */
export class BadRecordLimitError extends StepmrError {
  override readonly name = 'BadRecordLimitError';
}

/** The job was stopped (`stepmr stop`) while its commit ran: the commit published nothing. */
export class JobStoppedError extends StepmrError {
  override readonly name = 'JobStoppedError';
}

/**
 * A task was asked to touch what its runtime does not allow: another bucket, a prefix that is
 * not the job's own, a local file, a job module that is not registered. Never retried.
 */
export class ForbiddenTaskInputError extends StepmrError {
  override readonly name = 'ForbiddenTaskInputError';
}

/** More delegated calls failed than `--max-failed` allows: the job fails and publishes nothing. */
export class FailedCallLimitError extends StepmrError {
  override readonly name = 'FailedCallLimitError';
}
