import * as z from 'zod';

/**
 * The delegated task as it crosses a boundary: built by a job's `delegate` in one process,
 * executed by another. The executor parses every task with {@link delegateTaskSchema} before
 * it makes a call, so a task read back from storage is checked, never cast.
 */

/** An HTTP header name (an RFC 9110 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'must be an HTTP header name');
/** A header value: visible characters, spaces and tabs only (no CR or LF, so no header injection). */
const headerValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must hold no control characters');

/** Headers the executor sets itself; a task may not set them. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'idempotency-key',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

/**
 * A URL a task may call: absolute, `http:` or `https:`, with no user name or password in it.
 *
 * @example
 * ```ts
 * callUrl.parse('https://abc123.execute-api.us-east-1.amazonaws.com/prod/score');
 * ```
 */
export const callUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not an absolute URL` });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} has protocol ${url.protocol}; a task calls http: or https: URLs only`,
    });
  }
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'a task URL may not hold a user name or password; use auth' });
  }
});

/** An environment variable that may hold an API key: never one of the AWS_* variables. */
const apiKeyEnv = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name')
  .refine((name) => !name.toUpperCase().startsWith('AWS_'), {
    message: 'may not be an AWS_* variable (those hold the function’s own credentials)',
  });

/**
 * How an HTTP call authenticates.
 *
 * @example
 * ```ts
 * callAuthSchema.parse({ type: 'apiKey', env: 'SCORING_KEY' });
 * ```
 */
export const callAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z
    .object({
      type: z.literal('apiKey'),
      header: headerName
        .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), { message: 'is a header the executor sets' })
        .exactOptional(),
      env: apiKeyEnv.exactOptional(),
      ssmParameter: z
        .string()
        .regex(/^[A-Za-z0-9_.\-/]{1,2048}$/, 'must be an SSM parameter name')
        .exactOptional(),
    })
    .refine((a) => (a.env === undefined) !== (a.ssmParameter === undefined), {
      message: 'an apiKey auth names exactly one of env and ssmParameter',
    }),
  z.object({
    type: z.literal('iam'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region')
      .exactOptional(),
    service: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/, 'must be an AWS service signing name')
      .exactOptional(),
  }),
]);

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/**
 * One HTTP call.
 *
 * @example
 * ```ts
 * httpTaskSchema.parse({ kind: 'http', method: 'GET', url: 'https://api.example.com/health' });
 * ```
 */
export const httpTaskSchema = z
  .object({
    kind: z.literal('http'),
    method: z.enum(METHODS),
    url: callUrl,
    headers: z
      .record(z.string(), headerValue)
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!headerName.safeParse(name).success) {
            ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name)} is not an HTTP header name` });
          } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
            ctx.addIssue({
              code: 'custom',
              message: `${name} is a header the executor sets (authorization, host, idempotency-key…)`,
            });
          }
        }
      })
      .exactOptional(),
    body: z.unknown().exactOptional(),
    auth: callAuthSchema.exactOptional(),
  })
  .refine((t) => t.body === undefined || t.method !== 'GET', {
    message: 'a GET task has no body',
    path: ['body'],
  });

/**
 * One synchronous Lambda invocation.
 *
 * @example
 * ```ts
 * lambdaTaskSchema.parse({ kind: 'lambda', functionName: 'enrich', payload: { id: 1 } });
 * ```
 */
export const lambdaTaskSchema = z.object({
  kind: z.literal('lambda'),
  functionName: z
    .string()
    .regex(
      /^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]{1,128})?$/,
      'must be a Lambda function name, ARN or partial ARN',
    ),
  payload: z.unknown().exactOptional(),
});

/**
 * A delegated task: an HTTP call or a Lambda invocation.
 *
 * @example
 * ```ts
 * const task = delegateTaskSchema.parse(JSON.parse(line));
 * ```
 */
export const delegateTaskSchema = z.discriminatedUnion('kind', [httpTaskSchema, lambdaTaskSchema]);

/**
 * A task as the schema gives it.
 *
 * @example
 * ```ts
 * const task: ParsedDelegateTask = delegateTaskSchema.parse(raw);
 * ```
 */
export type ParsedDelegateTask = z.infer<typeof delegateTaskSchema>;

/**
 * A result as written to storage and read back (the job stage's per-batch results): one per
 * task, at the task's index.
 *
 * @example
 * ```ts
 * const result = delegateResultSchema.parse(JSON.parse(line));
 * ```
 */
export const delegateResultSchema = z.object({
  index: z.number().int().nonnegative(),
  ok: z.boolean(),
  status: z.number().int().min(0).max(999),
  output: z.unknown(),
  error: z.object({ name: z.string(), message: z.string() }).exactOptional(),
  attempts: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
});
