import type { CallLimits, DelegateJobDefinition } from '../job/defineJob.js';
import type { Key } from '../job/types.js';
import type { StreamBase } from './defineStream.js';

/**
 * A stream whose records become delegated calls, batch by batch (SAMBA's streaming usage):
 * each micro-batch runs as a delegate job, and publishes `batch=<N>/`, append mode only:
 * without `map` its results in input order (one per record of the batch's objects, taken in
 * the order the batch lists them), with `map` (and `reduce`) what they make of the results.
 * Every call's `Idempotency-Key` is `<stream>-b<N>-<index>`, the same on every run of batch N.
 *
 * @example
 * ```ts
 * const scoring: DelegateStreamDefinition<Applicant, number, DelegateResult, DelegateResult> = {
 *   name: 'scoring',
 *   source: { prefix: 'in/applicants/' },
 *   input: jsonLines<Applicant>(),
 *   delegate: (a) => http('https://api.example.com/score').post(a),
 *   calls: { concurrency: 32, ratePerSecond: 50 },
 * };
 * ```
 */
export interface DelegateStreamDefinition<R, K extends Key, V, O>
  extends Omit<StreamBase<R, K, V>, 'map' | 'combine'>,
    Omit<DelegateJobDefinition<R, K, V, O>, 'name' | 'input' | 'output' | 'options'> {
  /** Each batch publishes its own dataset. @default 'append' */
  readonly mode?: 'append';
  /** The batches' call options: in flight, per second, timeouts, retries, failures allowed. */
  readonly calls?: CallLimits;
}

/**
 * Whether a stream definition delegates.
 *
 * @example
 * ```ts
 * if (delegates(definition)) console.log('each batch calls a service');
 * ```
 */
export function delegates(definition: object): definition is { delegate: unknown } {
  return 'delegate' in definition && definition.delegate !== undefined;
}

/**
 * Why a delegating stream's definition cannot run, or undefined when it can.
 *
 * @example
 * ```ts
 * const reason = delegateStreamProblem(definition); // 'delegate must be a function…'
 * ```
 */
export function delegateStreamProblem(definition: {
  readonly delegate?: unknown;
  readonly map?: unknown;
  readonly reduce?: unknown;
  readonly mode?: unknown;
  readonly window?: unknown;
}): string | undefined {
  if (typeof definition.delegate !== 'function') {
    return 'delegate must be a function turning a record into a task, such as (r) => http(url).post(r)';
  }
  if ((definition.mode ?? 'append') !== 'append') {
    return "a delegating stream publishes each batch's results as batch=<N>/: mode must be 'append'";
  }
  if (definition.window !== undefined) {
    return 'a delegating stream has no event-time windows: delegate per batch, then window the results with a stream over them';
  }
  if (definition.reduce !== undefined && typeof definition.map !== 'function') {
    return 'reduce needs a map over the delegated results';
  }
  return undefined;
}
