import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { STATE_MACHINE_ID } from '../../deploy/stack.js';
import { StepmrError } from '../../errors.js';
import type { OfflineStackResource } from './stackApi.js';

/** `serverless package` failed, or its template lacks what the offline cloud needs. */
export class PackageError extends StepmrError {
  override readonly name = 'PackageError';
}

/** The state machine of a packaged stack, with its Lambda ARNs resolved. */
export interface PackagedStateMachine {
  /** Its name (`StateMachineName`), e.g. `stepmr-dev-jobs`. */
  readonly name: string;
  readonly arn: string;
  /** The definition, with every `${…}` of its `Fn::Sub` replaced by the function's ARN. */
  readonly definition: object;
  /** The functions the definition calls: ARN → function name (`stepmr-dev-map`). */
  readonly functions: ReadonlyMap<string, string>;
}

type Json = Record<string, unknown>;

/** The ARN of a function of the offline cloud. */
function functionArn(name: string, region: string, accountId: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

/**
 * Reads the state machine out of a CloudFormation template made by `serverless package`: its
 * `DefinitionString` is an `Fn::Sub` whose variables are `Fn::GetAtt [<Fn>LambdaFunction, Arn]`;
 * each becomes the ARN of that function's `FunctionName`, which is how serverless-offline
 * names it (`<service>-<stage>-<function>`).
 *
 * @example
 * ```ts
 * const machine = readStateMachine(template, { region: 'us-east-1', accountId: '123456789012' });
 * engine.startExecution({ definition: machine.definition, input });
 * ```
 */
export function readStateMachine(
  template: Json,
  at: { readonly region: string; readonly accountId: string },
): PackagedStateMachine {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string; Properties?: Json }>;
  const machine = resources[STATE_MACHINE_ID];
  if (machine?.Type !== 'AWS::StepFunctions::StateMachine') {
    throw new PackageError(`the packaged template has no state machine ${STATE_MACHINE_ID}`);
  }
  const props = machine.Properties ?? {};
  const name = String(props.StateMachineName ?? STATE_MACHINE_ID);
  const source = props.DefinitionString as string | { 'Fn::Sub': [string, Record<string, unknown>] };
  const [text, variables] = typeof source === 'string' ? [source, {}] : source['Fn::Sub'];
  const functions = new Map<string, string>();
  const resolved = text.replace(/\$\{([^}]+)\}/g, (whole, variable: string) => {
    const value = variables[variable] as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const [logicalId, attribute] = value?.['Fn::GetAtt'] ?? [];
    const fn = logicalId ? resources[logicalId] : undefined;
    if (attribute !== 'Arn' || fn?.Type !== 'AWS::Lambda::Function') {
      throw new PackageError(
        `the state machine's definition refers to ${whole}, which is not the ARN of a function of the stack`,
      );
    }
    const fnName = String(fn.Properties?.FunctionName ?? logicalId);
    const arn = functionArn(fnName, at.region, at.accountId);
    functions.set(arn, fnName);
    return arn;
  });
  return {
    name,
    arn: `arn:aws:states:${at.region}:${at.accountId}:stateMachine:${name}`,
    definition: JSON.parse(resolved) as object,
    functions,
  };
}

/**
 * The resources of a packaged stack that the offline cloud stands up, as DescribeStackResources
 * lists them: the data bucket (s3rver), the state machine (the engine) and every function
 * (serverless-offline), each with its logical id from the template and its offline name.
 *
 * @example
 * ```ts
 * stackHandler({ stacks: [{ name, outputs, resources: offlineResources(template, { bucket, machine }) }] });
 * ```
 */
export function offlineResources(
  template: Json,
  stack: { readonly bucket: string; readonly machine: PackagedStateMachine },
): OfflineStackResource[] {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string; Properties?: Json }>;
  const found: OfflineStackResource[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const type = resource.Type ?? '';
    if (type === 'AWS::S3::Bucket' && logicalId === 'DataBucket') {
      found.push({ logicalId, type, physicalId: stack.bucket });
    } else if (type === 'AWS::StepFunctions::StateMachine' && logicalId === STATE_MACHINE_ID) {
      found.push({ logicalId, type, physicalId: stack.machine.arn });
    } else if (type === 'AWS::Lambda::Function') {
      found.push({ logicalId, type, physicalId: String(resource.Properties?.FunctionName ?? logicalId) });
    }
  }
  return found;
}

/** The `serverless` command of a project (osls), run by this Node. */
export function serverlessBin(projectDir: string): string {
  const require = createRequire(join(projectDir, 'package.json'));
  try {
    return require.resolve('serverless/bin/serverless.js');
  } catch {
    try {
      return require.resolve('osls/bin/serverless.js');
    } catch (cause) {
      throw new PackageError(
        `no serverless command in ${projectDir}: install it (npm install --save-dev osls serverless-esbuild serverless-step-functions serverless-offline)`,
        { cause },
      );
    }
  }
}

/**
 * Runs `serverless package` for a stage into `outDir` and returns the CloudFormation template
 * it wrote. Its output is passed to `log`; a failure is a {@link PackageError} with the tail of it.
 *
 * @example
 * ```ts
 * const template = await packageStack({ projectDir: '.', stage: 'dev', outDir: '.stepmr/offline/package' });
 * ```
 */
export async function packageStack(options: {
  readonly projectDir: string;
  readonly stage: string;
  readonly outDir: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (text: string) => void;
}): Promise<Json> {
  const bin = serverlessBin(options.projectDir);
  const child = spawn(
    process.execPath,
    [bin, 'package', '--stage', options.stage, '--package', options.outDir],
    { cwd: options.projectDir, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    options.log?.(chunk.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new PackageError(
      `serverless package --stage ${options.stage} failed (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`,
    );
  }
  const path = join(options.outDir, 'cloudformation-template-update-stack.json');
  return JSON.parse(await readFile(path, 'utf8')) as Json;
}
