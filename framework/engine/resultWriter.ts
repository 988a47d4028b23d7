import type { ResultWriterDefinition } from './asl.js';
import { StatesError } from './errors.js';
import type { ChildRecord, MapRun } from './mapRun.js';
import type { Runtime } from './runtime.js';
import { type EvalEnv, evaluateTemplate } from './template.js';

/**
 * A child execution as the ResultWriter records it (Transformation `NONE`): ARN, name, input
 * and output as JSON text, dates as ISO-8601 text, and `Error` / `Cause` when it failed.
 *
 * @example
 * ```ts
 * JSON.parse(resultEntry(child, run).Output as string);
 * ```
 */
export function resultEntry(child: ChildRecord, run: MapRun): Record<string, unknown> {
  const succeeded = child.status === 'SUCCEEDED';
  return {
    ExecutionArn: child.executionArn,
    Input: child.inputJson,
    InputDetails: { Included: true },
    Name: child.name,
    ...(succeeded ? { Output: JSON.stringify(child.output), OutputDetails: { Included: true } } : {}),
    ...(child.error !== undefined ? { Error: child.error } : {}),
    ...(child.cause !== undefined ? { Cause: child.cause } : {}),
    RedriveCount: 0,
    RedriveStatus: succeeded ? 'NOT_REDRIVABLE' : 'REDRIVABLE_BY_MAP_RUN',
    ...(succeeded ? { RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' } : {}),
    StartDate: child.startDate.toISOString(),
    StateMachineArn: run.childMachineArn,
    Status: child.status,
    StopDate: (child.stopDate ?? child.startDate).toISOString(),
  };
}

/** Child results under a `WriterConfig.Transformation`; failed children always as full entries. */
function transform(
  children: readonly (ChildRecord | undefined)[],
  run: MapRun,
  transformation: string,
): unknown[] {
  const out: unknown[] = [];
  for (const child of children) {
    if (!child) continue;
    if (child.status !== 'SUCCEEDED' || transformation === 'NONE') out.push(resultEntry(child, run));
    else if (transformation === 'FLATTEN' && Array.isArray(child.output)) out.push(...child.output);
    else out.push(child.output);
  }
  return out;
}

/**
 * The Map output without an S3 export: by `WriterConfig.Transformation` (default `COMPACT`)
 * the child outputs in item order (`FLATTEN`: arrays flattened one level; `NONE`: full
 * entries). Failed children, within the tolerated threshold, appear as full entries.
 *
 * @example
 * ```ts
 * const output = mapOutputs(run, state.ResultWriter?.WriterConfig?.Transformation);
 * ```
 */
export function mapOutputs(run: MapRun, transformation: string | undefined = 'COMPACT'): unknown[] {
  return transform(run.children, run, transformation);
}

/**
 * Exports a Map Run's results to a Store as AWS's ResultWriter does (`s3:putObject`):
 * `<Prefix>/<map run id>/SUCCEEDED_0.json` and `FAILED_0.json` (JSON arrays of entries, only
 * when there are some; failed, timed-out and aborted children go to FAILED) and
 * `manifest.json` `{ DestinationBucket, MapRunArn, ResultFiles: { FAILED, PENDING, SUCCEEDED } }`
 * listing `{ Key, Size }` of each file. Returns the manifest's `{ Bucket, Key }`. Failures are
 * `States.ResultWriterFailed`.
 *
 * @example
 * ```ts
 * const details = await writeResults(state.ResultWriter, run, input, env, rt);
 * ```
 */
export async function writeResults(
  def: ResultWriterDefinition,
  run: MapRun,
  input: unknown,
  env: EvalEnv,
  rt: Runtime,
): Promise<{ Bucket: string; Key: string }> {
  const params = (evaluateTemplate(def.Parameters ?? {}, input, env) ?? {}) as {
    Bucket?: unknown;
    Prefix?: unknown;
  };
  const bucket = params.Bucket;
  const prefix = typeof params.Prefix === 'string' ? params.Prefix.replace(/\/+$/, '') : '';
  if (typeof bucket !== 'string')
    throw new StatesError('States.ResultWriterFailed', 'ResultWriter.Parameters need a "Bucket" string.');
  if (!rt.stores)
    throw new StatesError('States.ResultWriterFailed', `No store is configured for bucket "${bucket}".`);
  const id = run.mapRunArn.slice(run.mapRunArn.lastIndexOf(':') + 1);
  const dir = prefix ? `${prefix}/${id}` : id;
  const transformation = def.WriterConfig?.Transformation ?? 'NONE';
  const done = run.children.filter((c): c is ChildRecord => c !== undefined);
  const groups = {
    FAILED: done.filter((c) => c.status !== 'SUCCEEDED' && c.status !== 'RUNNING'),
    PENDING: [] as ChildRecord[],
    SUCCEEDED: done.filter((c) => c.status === 'SUCCEEDED'),
  };
  const files: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  try {
    const store = rt.stores(bucket);
    for (const [status, children] of Object.entries(groups)) {
      if (children.length === 0) continue;
      const Key = `${dir}/${status}_0.json`;
      const body = Buffer.from(JSON.stringify(transform(children, run, transformation)));
      await store.put(Key, body);
      files[status]?.push({ Key, Size: body.length });
      for (const c of children) run.itemCounts.resultsWritten += c.items;
      run.executionCounts.resultsWritten += children.length;
    }
    const manifest = { DestinationBucket: bucket, MapRunArn: run.mapRunArn, ResultFiles: files };
    const Key = `${dir}/manifest.json`;
    await store.put(Key, JSON.stringify(manifest));
    return { Bucket: bucket, Key };
  } catch (cause) {
    throw new StatesError(
      'States.ResultWriterFailed',
      `Cannot write the results to bucket "${bucket}": ${(cause as Error).message}`,
      { cause },
    );
  }
}
