import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { StackNotFoundError } from './errors.js';

/** What stepmr needs of its deployed stack. */
export interface DeployedStack {
  /** The state machine that runs every job (output `StateMachineArn`). */
  readonly stateMachineArn: string;
  /** The data bucket: inputs, results under `out/`, job work under `work/` (output `DataBucket`). */
  readonly bucket: string;
}

/**
 * The stack stepmr uses: `--stack`, else `STEPMR_STACK`, else `stepmr-dev` (serverless.yml's
 * service and default stage).
 *
 * @example
 * ```ts
 * stackName(undefined, { STEPMR_STACK: 'stepmr-prod' }); // 'stepmr-prod'
 * ```
 */
export function stackName(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.STEPMR_STACK ?? 'stepmr-dev';
}

async function regionOf(cfn: CloudFormationClient): Promise<string> {
  try {
    return await cfn.config.region();
  } catch {
    return 'the configured region';
  }
}

/**
 * Finds a deployed stepmr stack's state machine and data bucket from its CloudFormation
 * outputs. A stack that does not exist, or lacks the outputs, is a `StackNotFoundError` that
 * says to deploy it or to name another stack.
 *
 * @example
 * ```ts
 * const { stateMachineArn, bucket } = await findStack(cloudFormationClient(), 'stepmr-dev');
 * ```
 */
export async function findStack(cfn: CloudFormationClient, stackName: string): Promise<DeployedStack> {
  let outputs: Map<string, string>;
  try {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = new Map((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    const e = error as Error;
    if (e.name !== 'ValidationError' || !/does not exist/.test(e.message)) throw error;
    throw new StackNotFoundError(
      `stack ${stackName} does not exist in ${await regionOf(cfn)}; deploy it (npx serverless deploy), or pass --stack <name> (or set STEPMR_STACK) to use another stack`,
      { cause: error },
    );
  }
  const stateMachineArn = outputs.get('StateMachineArn');
  const bucket = outputs.get('DataBucket');
  if (!stateMachineArn || !bucket) {
    throw new StackNotFoundError(
      `stack ${stackName} has no ${stateMachineArn ? 'DataBucket' : 'StateMachineArn'} output: it is not a stepmr stack; pass --stack <name> of one`,
    );
  }
  return { stateMachineArn, bucket };
}
