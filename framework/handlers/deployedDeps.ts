import { tmpdir } from 'node:os';
import { STREAM_REF } from '../contract/batchNames.js';
import { REGISTRY_REF } from '../contract/names.js';
import { DELEGATE_JOB_REF } from '../delegate/delegateJob.js';
import type { StepmrConfig } from '../deploy/config.js';
import { refuseCall } from '../deploy/delegates.js';
import type { DeployedStream } from '../deploy/streams.js';
import { StepmrError } from '../errors.js';
import type { Job } from '../job/defineJob.js';
import type { AdvanceOutcome } from '../runtime/aws/advanceStream.js';
import { callRunner } from '../runtime/callRunner.js';
import { JobModuleError } from '../runtime/errors.js';
import type { Store } from '../store/Store.js';
import { parseUri } from '../store/uri.js';
import type { TaskDeps } from '../tasks/deps.js';
import { ForbiddenTaskInputError } from '../tasks/errors.js';
import { deployedScope } from '../tasks/scope.js';

/** A project's `stepmr.config.ts`, as its default export or a loader of it. */
export type ConfigSource = StepmrConfig | (() => Promise<StepmrConfig>);

/** What the deployed functions take from their environment and, in tests, injected parts. */
export interface DeployedOptions {
  /** The stack's data bucket. @default process.env.STEPMR_DATA_BUCKET */
  readonly bucket?: string;
  /** Makes the Store of the stack's bucket. @default an S3Store with the standard AWS configuration */
  readonly bucketStore?: (bucket: string) => Store;
  /** A local directory for spills and staging. @default process.env.STEPMR_TMP_DIR, else the OS's */
  readonly tmpDir?: string;
  /** One step of a stream, for the trigger function (see `advanceStream`). */
  readonly advanceStream?: (request: StreamStepRequest) => Promise<AdvanceOutcome>;
}

/** What the trigger function asks of a stream once its event is checked. */
export interface StreamStepRequest {
  readonly config: StepmrConfig;
  readonly stream: DeployedStream;
  readonly stack: { readonly bucket: string; readonly stateMachineArn: string };
  /** Asked for by `stepmr trigger`: re-run a batch past the automatic re-runs. */
  readonly manual: boolean;
}

/** Thrown when a deployed function lacks what serverless.yml sets in its environment. */
export class DeploymentError extends StepmrError {
  override readonly name = 'DeploymentError';
}

/** The stack's data bucket, from the options or the function's environment. */
export function stackBucket(options: DeployedOptions): string {
  const bucket = options.bucket ?? process.env.STEPMR_DATA_BUCKET;
  if (!bucket) {
    throw new DeploymentError(
      'STEPMR_DATA_BUCKET is not set: serverless.yml sets it to the stack’s data bucket',
    );
  }
  return bucket;
}

/** The config of a source, loaded once. */
export function configOf(source: ConfigSource): () => Promise<StepmrConfig> {
  let loaded: Promise<StepmrConfig> | undefined;
  return () => {
    loaded ??= typeof source === 'function' ? source() : Promise.resolve(source);
    return loaded;
  };
}

async function registered(reference: string, config: () => Promise<StepmrConfig>): Promise<Job> {
  const stream = reference.startsWith(STREAM_REF);
  if (!reference.startsWith(REGISTRY_REF) && !stream) {
    throw new ForbiddenTaskInputError(
      `job ${JSON.stringify(reference)} refused: the deployed functions run only jobs and streams registered in stepmr.config.ts (job:<name>, stream:<name>)`,
    );
  }
  // The built-in delegate job, by this exact reference only: its calls are checked against the
  // config's delegates as any delegate job's.
  if (reference === DELEGATE_JOB_REF) return (await import('../delegate/delegateJob.js')).default;
  const name = reference.slice(stream ? STREAM_REF.length : REGISTRY_REF.length);
  const loaded = await config();
  const registry: Readonly<Record<string, Job>> = (stream ? loaded.streams : loaded.jobs) ?? {};
  const job = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!job) {
    const what = stream ? 'stream' : 'job';
    throw new JobModuleError(
      `${what} ${JSON.stringify(name)} is not in this deployment's stepmr.config.ts (it has ${Object.keys(registry).join(', ') || `no ${what}s`}); register it there and deploy again`,
    );
  }
  return job;
}

/**
 * The task dependencies of a deployed function: the stack's one data bucket (an S3Store), only
 * `s3://` URIs of that bucket, only jobs of the bundled registry, and the deployed scope
 * (working objects under `work/<job id>/`, results under `out/`), and delegated calls only to
 * the APIs and functions of the config's `delegates`. Nothing else is reachable: no local file,
 * no module path, no other bucket.
 *
 * @example
 * ```ts
 * const deps = await deployedDeps(config);
 * ```
 */
export async function deployedDeps(config: ConfigSource, options: DeployedOptions = {}): Promise<TaskDeps> {
  const bucket = stackBucket(options);
  let makeStore = options.bucketStore;
  if (!makeStore) {
    const s3 = await import('../runtime/aws/s3.js');
    makeStore = s3.bucketStore;
  }
  const store = makeStore(bucket);
  const load = configOf(config);
  const only = (name: string, what: string): Store => {
    if (name !== bucket) {
      throw new ForbiddenTaskInputError(
        `${what} refused: this stack's functions use only the bucket ${bucket}`,
      );
    }
    return store;
  };
  // The delegate function calls only what the config names (its role allows no more either).
  const delegates = (await load()).delegates ?? {};
  return {
    scope: { ...deployedScope(bucket), refuseCall: (task) => refuseCall(delegates, task) },
    bucket: (name) => only(name, `bucket ${JSON.stringify(name)}`),
    open(uri) {
      const parsed = uri.startsWith('s3://') ? parseUri(uri) : undefined;
      if (parsed?.scheme !== 's3') {
        throw new ForbiddenTaskInputError(
          `${uri} refused: this stack's functions read and write only s3://${bucket}/`,
        );
      }
      return { store: only(parsed.bucket, uri), key: parsed.key };
    },
    loadJob: (reference) => registered(reference, load),
    tmpDir: options.tmpDir ?? process.env.STEPMR_TMP_DIR ?? tmpdir(),
    now: Date.now,
    runCalls: callRunner(),
  };
}
