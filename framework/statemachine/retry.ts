import type { Retrier } from '../engine/asl.js';
/** Errors of the Lambda service that Step Functions recommends retrying on every Lambda task. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/**
 * Errors of a task that may succeed on another attempt: a timed-out or lost function, and any
 * error a task marks retryable (the handlers report those as `Stepmr.TransientError`).
 */
export const TRANSIENT_TASK_ERRORS = [
  'Stepmr.TransientError',
  'Sandbox.Timedout',
  'States.Timeout',
  'Runtime.ExitError',
  'Runtime.OutOfMemory',
] as const;

/** The Retry policy of every Lambda task in a job's state machine. */
export function taskRetry(): Retrier[] {
  return [
    {
      ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
      IntervalSeconds: 1,
      BackoffRate: 2,
      MaxAttempts: 6,
      MaxDelaySeconds: 30,
      JitterStrategy: 'FULL',
    },
    {
      ErrorEquals: [...TRANSIENT_TASK_ERRORS],
      IntervalSeconds: 2,
      BackoffRate: 2,
      MaxAttempts: 3,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    },
  ];
}
