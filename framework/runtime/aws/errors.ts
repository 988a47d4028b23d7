import { StepmrError } from '../../errors.js';

/**
 * The CloudFormation stack stepmr looks for is not deployed (in this account and region), or
 * lacks the outputs stepmr needs.
 *
 * @example
 * ```ts
 * throw new StackNotFoundError('stack stepmr-dev does not exist in us-east-1; deploy it or pass --stack');
 * ```
 */
export class StackNotFoundError extends StepmrError {
  override readonly name = 'StackNotFoundError';
}

/**
 * No Step Functions execution has the ARN given.
 *
 * @example
 * ```ts
 * throw new ExecutionNotFoundError(`no execution ${arn}; stepmr list shows the recent ones`);
 * ```
 */
export class ExecutionNotFoundError extends StepmrError {
  override readonly name = 'ExecutionNotFoundError';
}
