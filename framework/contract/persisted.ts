import { z } from 'zod';
import { JOB_ID } from './names.js';

const count = z.number().int().nonnegative();
const jobId = z.string().regex(JOB_ID, 'must be a job id');

/**
 * A split of `splits.jsonl` and of a map task's batch.
 *
 * @example
 * ```ts
 * splitSchema.parse({ id: 0, uri: 's3://data/in/a.txt', start: 0, end: 100, size: 100 });
 * ```
 */
export const splitSchema = z.object({
  id: count,
  uri: z.string().regex(/^(file|s3):\/\//, 'must be a file:// or s3:// URI'),
  start: count,
  end: count,
  size: count,
  compression: z.literal('gzip').optional(),
});

/**
 * `job.json`, version 1: everything the tasks need to know about one run, written by the
 * planner and read back by every task.
 *
 * @example
 * ```ts
 * const plan = jobPlanSchema.parse(JSON.parse(text));
 * ```
 */
export const jobPlanSchema = z.object({
  version: z.literal(1),
  jobId,
  createdAt: z.string(),
  job: z.object({ name: z.string().min(1), module: z.string().min(1) }),
  inputs: z.array(z.string()),
  output: z.string().regex(/^(file|s3):\/\//, 'must be a file:// or s3:// URI'),
  input: z.object({
    kind: z.enum(['lines', 'jsonl', 'csv']),
    delimiter: z.string().optional(),
  }),
  outputFormat: z.object({ kind: z.enum(['jsonl', 'csv', 'text']), delimiter: z.string().optional() }),
  reducers: count,
  splits: count,
  splitSize: z.number().int().positive(),
  inputBytes: count,
  memoryBudget: z.number().int().positive(),
  maxRecordBytes: z.number().int().positive(),
  badRecords: z.object({ policy: z.enum(['fail', 'skip']), max: count }),
  overwrite: z.boolean(),
  redrive: z.object({ jobId, prefix: z.string() }).optional(),
});

const stagedPart = z.object({
  part: count,
  key: z.string().min(1),
  records: count,
  bytes: count,
  sha256: z.string(),
});

/**
 * What a map task returns (a Map Run result, and an entry of `kept.json`).
 *
 * @example
 * ```ts
 * const result = mapTaskResultSchema.parse(JSON.parse(entry.Output));
 * ```
 */
export const mapTaskResultSchema = z.object({
  splits: z.array(count),
  shuffle: z.object({ key: z.string().min(1), bytes: count }).optional(),
  part: stagedPart.optional(),
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  spills: count,
  badRecords: z
    .object({
      count,
      samples: z.array(
        z.object({ uri: z.string(), offset: count, line: count.optional(), reason: z.string() }),
      ),
    })
    .optional(),
  ms: z.number().nonnegative(),
});

/**
 * What a reduce task returns (a Map Run result of the reduce stage).
 *
 * @example
 * ```ts
 * const result = reduceTaskResultSchema.parse(JSON.parse(entry.Output));
 * ```
 */
export const reduceTaskResultSchema = z.object({
  parts: z.array(stagedPart),
  recordsIn: count,
  bytesIn: count,
  ms: z.number().nonnegative(),
});

/**
 * `kept.json`, version 1: what a job that committed with tolerated map failures keeps for a
 * redrive.
 *
 * @example
 * ```ts
 * const kept = keptSchema.parse(JSON.parse(text));
 * ```
 */
export const keptSchema = z.object({
  version: z.literal(1),
  jobId,
  succeeded: z.array(mapTaskResultSchema),
  failed: z.array(z.array(splitSchema)),
  prefixes: z.array(z.string()).min(1),
});

/**
 * Parses an object read back from storage with `schema`; `describe` names the object in the
 * error. Returns the issue as text instead of throwing, so each caller throws its own error.
 *
 * @example
 * ```ts
 * const parsed = parsePersisted(keptSchema, JSON.parse(text));
 * if (!parsed.ok) throw new TaskInputError(`kept.json: ${parsed.error}`);
 * ```
 */
export function parsePersisted<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; value: z.infer<S> } | { ok: false; error: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'the object';
  return { ok: false, error: `${field}: ${issue?.message ?? 'invalid'}` };
}
