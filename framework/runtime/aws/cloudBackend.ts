import type { SFNClient } from '@aws-sdk/client-sfn';
import { BUCKET_LAYOUT } from '../../deploy/layout.js';
import { RedriveError } from '../../plan/planRedrive.js';
import { ObjectNotFoundError } from '../../store/errors.js';
import type { Store } from '../../store/Store.js';
import { parseUri } from '../../store/uri.js';
import { stopJobWork } from '../../tasks/collectTask.js';
import type { JobRef } from '../../tasks/payloads.js';
import { readPlan } from '../../tasks/plan.js';
import type { Backend } from '../Driver.js';
import { InvalidOptionError } from '../errors.js';
import { jobOfExecution } from '../executions.js';
import { ExecutionNotFoundError } from './errors.js';
import type { DeployedStack } from './findStack.js';
import { bucketStore, statusStore, useS3 } from './s3.js';
import { sfnOrchestrator } from './sfnOrchestrator.js';

/** The output URI as a prefix (ending in `/`), after checking it is in the stack's `out/`. */
function outputPrefix(output: string, bucket: string): string {
  const parsed = parseUri(output.endsWith('/') ? output : `${output}/`);
  if (parsed.scheme !== 's3') {
    throw new InvalidOptionError(`--output ${output} must be an s3:// URI for a job on AWS`);
  }
  if (parsed.bucket !== bucket || !parsed.key.startsWith(BUCKET_LAYOUT.output)) {
    throw new InvalidOptionError(
      `--output ${output}: the stack's functions publish only under s3://${bucket}/${BUCKET_LAYOUT.output}; choose an output there`,
    );
  }
  return `s3://${parsed.bucket}/${parsed.key}`;
}

/** What a {@link cloudBackend} uses besides its stack and client; tests give their own. */
export interface CloudBackendDeps {
  /** Marks a stopped job stopped and removes its working objects; resolves with how many. @default in S3 */
  readonly removeWork?: (job: JobRef) => Promise<number>;
  /** The Store of a bucket, for the bytes a job's map stage has read. @default in S3 */
  readonly bucketStore?: (bucket: string) => Store;
}

/**
 * The deployed stack as a driver's backend: Step Functions through the SDK, jobs planned into
 * the data bucket's `work/`, outputs only under its `out/` (given only the state machine, it
 * reports on jobs and starts none). A stopped execution does not run
 * its Abort step, so after a stop the job's working objects are removed here (but its plan,
 * and a `stopped.json` mark that makes a commit still running publish nothing).
 *
 * @example
 * ```ts
 * const driver = new Driver(cloudBackend(await findStack(cfn, 'stepmr-dev'), sfnClient()));
 * const started = await driver.start({ job, name: 'wordcount', module: 'job:wordcount', inputs, output });
 * ```
 */
export function cloudBackend(
  stack: Pick<DeployedStack, 'stateMachineArn'> & Partial<DeployedStack>,
  sfn: SFNClient,
  deps: CloudBackendDeps = {},
): Backend {
  useS3();
  const { bucket } = stack;
  const removeWork = deps.removeWork ?? ((job: JobRef) => stopJobWork(bucketStore(job.bucket), job));
  const openBucket = deps.bucketStore ?? statusStore;
  return {
    orchestrator: sfnOrchestrator(sfn),
    stateMachineArn: stack.stateMachineArn,
    // Without the stack's bucket (a state machine given by its ARN), it only reports on jobs.
    ...(bucket
      ? {
          work: { store: bucketStore(bucket), bucket, prefix: BUCKET_LAYOUT.work },
          checkOutput: (output: string) => outputPrefix(output, bucket),
        }
      : {}),
    // Given the stack, only its bucket is read; given only a state machine, the job's own.
    workStore: (name: string) => {
      if (bucket && name !== bucket) {
        throw new InvalidOptionError(
          `the job's working objects are in s3://${name}, not in the stack's bucket ${bucket}`,
        );
      }
      return openBucket(name);
    },
    afterStop: async ({ job }) => {
      if (!job) return undefined;
      const removed = await removeWork(job);
      return `removed ${removed} working objects under s3://${job.bucket}/${job.prefix}; a task still running when stopped ends on its own (what it writes there expires with the bucket's lifecycle rule), and a commit still running publishes nothing`;
    },
  };
}

/**
 * The output of a job on the deployed stack, named by its execution's ARN: the `output` of its
 * plan, still under `work/<job id>/`. What `stepmr redrive <job id>` completes.
 *
 * @example
 * ```ts
 * const output = await outputOfExecution(backend, executionArn); // 's3://data/out/wc/'
 * ```
 */
export async function outputOfExecution(backend: Backend, executionArn: string): Promise<string> {
  const ref = await jobOfExecution(backend.orchestrator, executionArn).catch((error: Error) => {
    if (!(error instanceof ExecutionNotFoundError)) throw error;
    throw new ExecutionNotFoundError(
      `${error.message}; to redrive a job run here, name its output directory`,
      {
        cause: error,
      },
    );
  });
  if (!ref)
    throw new RedriveError(`execution ${executionArn} is not a stepmr job's: there is nothing to redrive`);
  const plan = await readPlan(bucketStore(ref.bucket), ref).catch((error: Error) => {
    if (!(error.cause instanceof ObjectNotFoundError)) throw error;
    throw new RedriveError(
      `the plan of job ${ref.jobId} is gone from s3://${ref.bucket}/${ref.prefix} (a redrive that completed its result removes it, and work/ expires): name the job's s3:// output instead`,
      { cause: error },
    );
  });
  return plan.output;
}
