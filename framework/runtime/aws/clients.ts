import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';

export type { CloudFormationClient, LambdaClient, SFNClient };

let sfn: SFNClient | undefined;
let cloudFormation: CloudFormationClient | undefined;
let lambda: LambdaClient | undefined;

/**
 * The Step Functions client of this process, built once from the standard AWS configuration:
 * region (`AWS_REGION`, the profile's), credentials and profile (`AWS_PROFILE`) as the SDK finds
 * them, and the endpoint from `AWS_ENDPOINT_URL_SFN` (or `AWS_ENDPOINT_URL`), which the SDK
 * reads itself — so the offline cloud is one variable away.
 *
 * @example
 * ```ts
 * const { executions } = await sfnClient().send(new ListExecutionsCommand({ stateMachineArn }));
 * ```
 */
export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({});
  return sfn;
}

/**
 * The CloudFormation client of this process (endpoint from `AWS_ENDPOINT_URL_CLOUDFORMATION`),
 * used to find a deployed stack's outputs.
 *
 * @example
 * ```ts
 * const stack = await findStack(cloudFormationClient(), 'stepmr-dev');
 * ```
 */
export function cloudFormationClient(): CloudFormationClient {
  cloudFormation ??= new CloudFormationClient({});
  return cloudFormation;
}

/**
 * The Lambda client of this process (endpoint from `AWS_ENDPOINT_URL_LAMBDA`). It makes one
 * attempt per call (`maxAttempts: 1`): the state machine's own Retry does the retrying, with the
 * error names Step Functions uses.
 *
 * @example
 * ```ts
 * const invoker = new LambdaInvoker({ client: lambdaClient() });
 * ```
 */
export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({ maxAttempts: 1 });
  return lambda;
}
