import { STREAM_REF } from '../contract/batchNames.js';
import { JOB_ID, REGISTRY_REF, workPrefix } from '../contract/names.js';
import { parseUri } from '../store/uri.js';
import { ForbiddenTaskInputError } from './errors.js';
import type { JobRef } from './payloads.js';

/**
 * What the tasks of one runtime may touch. A deployed function trusts nothing it is given (its
 * event, the execution input, `job.json`, `kept.json`, Map Run results): every bucket, prefix,
 * URI and job reference read from them is checked against the scope before it is used.
 */
export interface TaskScope {
  /** The one bucket that holds jobs' working objects. */
  readonly bucket: string;
  /** Where jobs' working prefixes lie in it: job `j` works under `<workRoot>j/`. */
  readonly workRoot: string;
  /** Why an input URI may not be read, or undefined when it may. */
  refuseInput(uri: string): string | undefined;
  /** Why an output URI (a prefix ending in `/`) may not be written, or undefined. */
  refuseOutput(uri: string): string | undefined;
  /** Why a job reference of `job.json` may not be loaded, or undefined. */
  refuseJob(reference: string): string | undefined;
  /** Why a delegated task may not be called (its API or function is not the stack's to call), or undefined. */
  refuseCall?(task: unknown): string | undefined;
}

const hasBadSegment = (key: string) => key.split('/').some((s) => s === '.' || s === '..');

/**
 * The scope of the deployed functions: working objects only in the stack's data bucket under
 * `work/<job id>/`, inputs only `s3://` objects of that bucket, outputs only under its `out/`,
 * and only jobs of the bundled registry (`job:<name>`). Local files and module paths are
 * refused.
 *
 * @example
 * ```ts
 * const scope = deployedScope('stepmr-dev-data');
 * scope.refuseInput('file:///etc/passwd'); // 'only s3://stepmr-dev-data/ objects may be read'
 * ```
 */
export function deployedScope(bucket: string, layout = { work: 'work/', output: 'out/' }): TaskScope {
  const inBucket = (uri: string) => {
    if (!uri.startsWith('s3://')) return undefined;
    const parsed = parseUri(uri);
    return parsed.scheme === 's3' && parsed.bucket === bucket ? parsed.key : undefined;
  };
  return {
    bucket,
    workRoot: layout.work,
    refuseInput(uri) {
      const key = inBucket(uri);
      return key === undefined || hasBadSegment(key)
        ? `only s3://${bucket}/ objects may be read by this stack's functions`
        : undefined;
    },
    refuseOutput(uri) {
      const key = inBucket(uri);
      const rest = key?.startsWith(layout.output) ? key.slice(layout.output.length) : '';
      return key === undefined || !key.endsWith('/') || rest === '/' || rest === '' || hasBadSegment(key)
        ? `results may be published only under s3://${bucket}/${layout.output}<name>/`
        : undefined;
    },
    refuseJob(reference) {
      return reference.startsWith(REGISTRY_REF) || reference.startsWith(STREAM_REF)
        ? undefined
        : 'only jobs and streams registered in stepmr.config.ts run here';
    },
  };
}

/**
 * The scope of the embedded runtime, and of a driver on the user's own machine: a job's
 * working objects under `<workRoot><job id>/` (the embedded runtime's root is its local work
 * folder, `<output>/_temporary`), inputs and outputs anywhere the user points them, and job
 * modules loaded by path.
 *
 * @example
 * ```ts
 * const scope = embeddedScope('stepmr-work');
 * ```
 */
export function embeddedScope(bucket: string, workRoot = ''): TaskScope {
  return {
    bucket,
    workRoot,
    refuseInput: () => undefined,
    refuseOutput: () => undefined,
    refuseJob: () => undefined,
  };
}

function refuse(what: string, reason: string): never {
  throw new ForbiddenTaskInputError(`${what} refused: ${reason}`);
}

/**
 * Checks that `ref` is a job's own working prefix in the scope's bucket; its `jobId` must be
 * a job id and its prefix exactly `<workRoot><jobId>/`.
 *
 * @example
 * ```ts
 * checkJobRef(scope, { jobId: 'wc-1', bucket: 'data', prefix: 'work/wc-1/' });
 * ```
 */
export function checkJobRef(scope: TaskScope, ref: JobRef): void {
  if (ref.bucket !== scope.bucket) {
    refuse(`bucket ${JSON.stringify(ref.bucket)}`, `jobs work only in ${scope.bucket}`);
  }
  checkWorkPrefix(scope, ref.prefix, ref.jobId);
}

/**
 * Checks that `prefix` is the working prefix of a job (of `jobId`, when given): the prefix of a
 * redriven job, or one listed in `kept.json`.
 *
 * @example
 * ```ts
 * checkWorkPrefix(scope, 'work/wc-1/');
 * ```
 */
export function checkWorkPrefix(scope: TaskScope, prefix: string, jobId?: string): void {
  const id = prefix.startsWith(scope.workRoot) ? prefix.slice(scope.workRoot.length, -1) : '';
  const ok = prefix.endsWith('/') && JOB_ID.test(id) && (jobId === undefined || id === jobId);
  if (!ok) {
    refuse(
      `work prefix ${JSON.stringify(prefix)}`,
      `a job's working objects lie under ${workPrefix(scope.workRoot, jobId ?? '<job id>')}`,
    );
  }
}

/**
 * Checks that `key` lies under one of the working prefixes `prefixes` (a staged part, a
 * shuffle object or a Map Run result named by an object a task reads back).
 *
 * @example
 * ```ts
 * checkWorkKey('work/wc-1/parts/part-00000', ['work/wc-1/']);
 * ```
 */
export function checkWorkKey(key: string, prefixes: readonly string[]): void {
  if (!prefixes.some((p) => key.startsWith(p) && key.length > p.length) || hasBadSegment(key)) {
    refuse(`key ${JSON.stringify(key)}`, `it is not under the job's working prefix ${prefixes[0] ?? ''}`);
  }
}

/**
 * Checks that `key` lies under some job's working prefix: an object a task only reads (a
 * shuffle object the shuffle index names, which may be a redriven job's).
 *
 * @example
 * ```ts
 * checkAnyWorkKey(scope, 'work/wc-1/shuffle/map-00000.bin');
 * ```
 */
export function checkAnyWorkKey(scope: TaskScope, key: string): void {
  const rest = key.startsWith(scope.workRoot) ? key.slice(scope.workRoot.length) : '';
  const slash = rest.indexOf('/');
  if (slash < 1 || slash === rest.length - 1 || !JOB_ID.test(rest.slice(0, slash)) || hasBadSegment(key)) {
    refuse(
      `key ${JSON.stringify(key)}`,
      `it is not under a job's working prefix ${workPrefix(scope.workRoot, '<job id>')}`,
    );
  }
}

/**
 * Checks that a split's URI may be read.
 *
 * @example
 * ```ts
 * checkInput(scope, 's3://data/in/a.txt');
 * ```
 */
export function checkInput(scope: TaskScope, uri: string): void {
  const reason = scope.refuseInput(uri);
  if (reason) refuse(`input ${uri}`, reason);
}

/**
 * Checks that a job's output URI (a prefix ending in `/`) may be written.
 *
 * @example
 * ```ts
 * checkOutput(scope, 's3://data/out/wc/');
 * ```
 */
export function checkOutput(scope: TaskScope, uri: string): void {
  const reason = scope.refuseOutput(uri);
  if (reason) refuse(`output ${uri}`, reason);
}

/**
 * Checks that a job reference of `job.json` may be loaded.
 *
 * @example
 * ```ts
 * checkJob(scope, 'job:wordcount');
 * ```
 */
export function checkJob(scope: TaskScope, reference: string): void {
  const reason = scope.refuseJob(reference);
  if (reason) refuse(`job ${JSON.stringify(reference)}`, reason);
}

/**
 * Checks that a stream batch's previous state (a folder its reducers merge) may be read: an
 * input of the scope, and the stream's own state, beside the batch's output: `snapshot=<M>/` or
 * `_state/batch=<M>/` of an earlier batch M in the folder that holds `output`'s `batch=<N>/` or
 * `snapshot=<N>/`. Another stream's state, or any other folder, would be folded into this
 * stream's result.
 *
 * @example
 * ```ts
 * checkState(scope, 's3://data/out/streams/clicks/batch=0000000004/', 's3://data/out/streams/clicks/_state/batch=0000000003/');
 * ```
 */
export function checkState(scope: TaskScope, output: string, state: string): void {
  checkInput(scope, state);
  const batch = /^(.*\/)(?:batch|snapshot)=(\d{10})\/$/.exec(output);
  const root = batch?.[1] ?? '';
  const owner = state.startsWith(root)
    ? /^(?:snapshot|_state\/batch)=(\d{10})\/$/.exec(state.slice(root.length))
    : null;
  if (!batch || !owner || Number(owner[1]) >= Number(batch[2])) {
    refuse(
      `state ${state}`,
      `a stream batch merges only its own stream's earlier state, snapshot=<M>/ or _state/batch=<M>/ beside its output ${output}; plan the batch with the stream's trigger or driver`,
    );
  }
}
