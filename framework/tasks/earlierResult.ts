import { successListingSchema } from '../contract/persisted.js';
import { ObjectNotFoundError } from '../store/errors.js';
import type { Store } from '../store/Store.js';
import { CommitVerificationError } from './errors.js';
import type { JobRef } from './payloads.js';

/**
 * What an output location holds, as far as replacing it goes: no `_SUCCESS`; a `_SUCCESS` that
 * stepmr did not write (another tool's, or not a manifest); or a stepmr result, with the job
 * that committed it and the names of its parts.
 *
 * @example
 * ```ts
 * const held: OutputResult = { kind: 'stepmr', jobId: 'wordcount-20261201T030000-3fa9c1', parts: ['part-00000.jsonl'] };
 * ```
 */
export type OutputResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'foreign'; readonly reason: string }
  | { readonly kind: 'stepmr'; readonly jobId: string; readonly parts: readonly string[] };

/** A parsed `_SUCCESS` or replacement record, or why it is not one of stepmr's. */
function parseListing(text: string): OutputResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'foreign', reason: 'its _SUCCESS is not a JSON manifest' };
  }
  const parsed = successListingSchema.safeParse(json);
  if (!parsed.success) {
    return {
      kind: 'foreign',
      reason: "its _SUCCESS is not a stepmr manifest, with a job id and parts' names",
    };
  }
  return { kind: 'stepmr', jobId: parsed.data.jobId, parts: parsed.data.parts.map((p) => p.name) };
}

/**
 * Reads the `_SUCCESS` at an output location (`prefix`, ending in `/` or empty) and says
 * whether it is a stepmr result, and which objects make it up.
 *
 * @example
 * ```ts
 * const held = await readOutputResult(store, 'out/wc/');
 * if (held.kind === 'stepmr') console.log(held.parts);
 * ```
 */
export async function readOutputResult(store: Store, prefix: string): Promise<OutputResult> {
  const body = await textIfAny(store, `${prefix}_SUCCESS`);
  return body === undefined ? { kind: 'none' } : parseListing(body);
}

/** An object's text; undefined when there is no such object. */
async function textIfAny(store: Store, key: string): Promise<string | undefined> {
  try {
    return (await store.get(key)).toString('utf8');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** Where a commit records the result it replaces, before it removes that result's `_SUCCESS`. */
function recordKey(ref: { readonly prefix: string }): string {
  return `${ref.prefix}replaces.json`;
}

/**
 * The earlier result a commit replaces at its output location: read from its `_SUCCESS` and
 * recorded under the job's work prefix first, so that a commit retried after `_SUCCESS` was
 * removed still knows exactly what to remove; read back from that record then. Undefined when
 * there is nothing to replace (the location's `_SUCCESS` is gone and no attempt recorded one).
 * Refuses a `_SUCCESS` that stepmr did not write: the location changed since the job was planned.
 *
 * @example
 * ```ts
 * const earlier = await replacedResult(out.store, out.key, work, ref);
 * ```
 */
export async function replacedResult(
  store: Store,
  prefix: string,
  work: Store,
  ref: JobRef,
): Promise<Extract<OutputResult, { kind: 'stepmr' }> | undefined> {
  const held = await readOutputResult(store, prefix);
  if (held.kind === 'foreign') {
    throw new CommitVerificationError(
      `output ${store.url}${prefix} no longer holds a stepmr result (${held.reason}), so job ${ref.jobId} replaces nothing there and publishes nothing; choose another output, or empty that one yourself`,
    );
  }
  if (held.kind === 'stepmr') {
    await work.put(
      recordKey(ref),
      `${JSON.stringify({ version: 1, jobId: held.jobId, parts: held.parts.map((name) => ({ name })) })}\n`,
    );
    return held;
  }
  const recorded = await textIfAny(work, recordKey(ref));
  if (recorded === undefined) return undefined;
  const parsed = parseListing(recorded);
  if (parsed.kind !== 'stepmr') {
    throw new CommitVerificationError(
      `the record of the result job ${ref.jobId} replaces, ${work.url}${recordKey(ref)}, is damaged; the output has no _SUCCESS: run the job again`,
    );
  }
  return parsed;
}
