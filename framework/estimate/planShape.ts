import type { Job } from '../job/defineJob.js';
import { type RunOptions, resolveOptions } from '../job/options.js';
import { type InputFile, listInputs } from '../plan/listInputs.js';
import { makeSplits } from '../plan/makeSplits.js';
import { newJobId } from '../plan/planJob.js';
import { defaultSplitsPerTask } from '../runtime/splitsPerTask.js';
import { PAGE_KEYS } from '../store/CountingStore.js';
import { toUri } from '../store/uri.js';
import { EstimateError } from './errors.js';
import type { JobShape } from './requests.js';

/** Objects of a synthetic input (`--assume-input`): 1 GiB each, as a large dataset is often cut. */
export const SYNTHETIC_OBJECT_BYTES = 1024 ** 3;

/** What {@link planShape} plans from: the job and the options `stepmr run` takes. */
export interface ShapeRequest extends RunOptions {
  readonly job: Job;
  readonly name: string;
  readonly inputs: readonly string[];
  /** The input as already listed; listed with `listInputs` (as `stepmr run`) when absent. */
  readonly files?: readonly InputFile[];
  readonly splitsPerTask?: number;
  /** The stack's bucket. @default 'stepmr-dev-data' */
  readonly bucket?: string;
  readonly shuffleRatio?: number;
  readonly outputRatio?: number;
  readonly jobId?: string;
}

/**
 * A synthetic input of `bytes`: objects of 1 GiB (the last one the rest) under
 * `s3://<bucket>/in/synthetic/`, to plan a job larger than anything at hand.
 *
 * @example
 * ```ts
 * syntheticInput(10 * 1024 ** 4, 'data'); // 10,240 objects of 1 GiB
 * ```
 */
export function syntheticInput(bytes: number, bucket: string): InputFile[] {
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new EstimateError(
      `--assume-input ${bytes} is not a size of at least 1 byte; give one such as 10TB`,
    );
  }
  const files: InputFile[] = [];
  for (let at = 0; at < bytes; at += SYNTHETIC_OBJECT_BYTES) {
    const size = Math.min(SYNTHETIC_OBJECT_BYTES, bytes - at);
    files.push({ uri: `s3://${bucket}/in/synthetic/part-${String(files.length).padStart(6, '0')}`, size });
  }
  return files;
}

/**
 * Listing requests for the inputs as `listInputs` sends them on S3: a HEAD for a key that may be
 * one object (and nothing more when it is one), else a LIST page per 1,000 objects under the
 * prefix or the pattern's static part. Local inputs count as the same folders would on S3.
 */
function listingOf(inputs: readonly string[], files: readonly InputFile[]): { list: number; head: number } {
  let list = 0;
  let head = 0;
  for (const input of inputs) {
    const uri = toUri(input);
    const glob = /[*?[{]/.test(uri);
    const base = glob ? uri.slice(0, uri.slice(0, uri.search(/[*?[{]/)).lastIndexOf('/') + 1) : uri;
    if (!glob && !base.endsWith('/') && !/^s3:\/\/[^/]+$/.test(base)) {
      head++;
      if (files.some((f) => f.uri === base)) continue;
    }
    const prefix = base.endsWith('/') ? base : `${base}/`;
    const under = files.filter((f) => f.uri.startsWith(prefix)).length;
    list += Math.max(1, Math.ceil(under / PAGE_KEYS));
  }
  return { list, head };
}

/**
 * Plans a job as `stepmr run` and `submit` do (its options resolved, the input listed and cut
 * into splits, splits grouped per task) without writing anything, and returns the shape the
 * estimate counts requests from.
 *
 * @example
 * ```ts
 * const shape = await planShape({ job, name: 'wordcount', inputs: ['s3://data/in/'], reducers: 8 });
 * ```
 */
export async function planShape(request: ShapeRequest): Promise<JobShape> {
  const options = resolveOptions(request.job, request);
  const files = request.files ?? (await listInputs(request.inputs));
  const splits = makeSplits(files, options.splitSize);
  const jobId = request.jobId ?? newJobId(request.name, Date.now());
  return {
    jobId,
    bucket: request.bucket ?? 'stepmr-dev-data',
    prefix: `work/${jobId}/`,
    splits,
    splitsPerTask: request.splitsPerTask ?? defaultSplitsPerTask(options.splitSize),
    reducers: request.job.reduce ? options.reducers : 0,
    inputKind: request.job.input.kind,
    listing: request.files ? { list: 1, head: 0 } : listingOf(request.inputs, files),
    ...(request.shuffleRatio !== undefined ? { shuffleRatio: request.shuffleRatio } : {}),
    ...(request.outputRatio !== undefined ? { outputRatio: request.outputRatio } : {}),
  };
}
