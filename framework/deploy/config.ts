import * as z from 'zod';
import { StepmrError } from '../errors.js';
import { isJob, type Job } from '../job/defineJob.js';
import type { RunOptions } from '../job/options.js';
import { isStream, type Stream } from '../stream/defineStream.js';
import { BUCKET_LAYOUT } from './layout.js';

/** A scheduled batch run of a registered job. */
export interface ScheduleConfig {
  /** The job's name in `jobs`. */
  readonly job: string;
  /** An EventBridge schedule expression: `rate(1 day)`, `cron(0 3 * * ? *)`. */
  readonly schedule: string;
  /** Input keys or prefixes in the stack's data bucket (`in/corpus/`), or `s3://` URIs in it. */
  readonly input: readonly string[];
  /**
   * Output prefix in the data bucket, under `out/`. `{date}` and `{time}` are replaced with the
   * scheduled time (`2026-12-01`, `030000`), so each run has its own output.
   */
  readonly output: string;
  /** Run options, as `stepmr run` takes them. @default the job's */
  readonly options?: RunOptions;
  /** Replace an earlier result at the output. @default false */
  readonly overwrite?: boolean;
  /** Deploy the schedule switched off. @default true */
  readonly enabled?: boolean;
}

/**
 * What delegate jobs of the stack may call. The delegate function calls nothing else, and its
 * role may invoke only these (`execute-api:Invoke`, `lambda:InvokeFunction`).
 *
 * @example
 * ```ts
 * const delegates: DelegatesConfig = { apis: ['https://abc123.execute-api.us-east-1.amazonaws.com/prod'], functions: ['enrich'] };
 * ```
 */
export interface DelegatesConfig {
  /**
   * Base URLs of the APIs: an API Gateway stage (`https://abc123.execute-api.us-east-1.amazonaws.com/prod`,
   * whose every resource its role may invoke) or any HTTP(S) base URL. A call's URL must lie under one.
   */
  readonly apis?: readonly string[];
  /** Lambda functions, by name or ARN, in the stack's account and region when given by name. */
  readonly functions?: readonly string[];
}

/** `stepmr.config.ts`: the jobs the deployed functions can run, their schedules, and what delegate jobs may call. */
export interface StepmrConfig {
  /** The jobs registry: name → job. The deployed functions load jobs from here by name. */
  readonly jobs: Readonly<Record<string, Job>>;
  readonly schedules?: Readonly<Record<string, ScheduleConfig>>;
  /** The APIs and functions delegate jobs call. @default none: delegate jobs can call nothing */
  readonly delegates?: DelegatesConfig;
  /**
   * The streams registry: name → stream made by `defineStream`. Each is deployed with its
   * trigger; the registry name must be the stream's own `name`.
   */
  readonly streams?: Readonly<Record<string, Stream>>;
}

/** `stepmr.config.ts` is malformed: the message names the field and what to do. */
export class ConfigError extends StepmrError {
  override readonly name = 'ConfigError';
}

const NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const RATE = /^rate\((\d+) (minute|hour|day)(s?)\)$/;
const CRON = /^cron\((\S+(?: \S+){5})\)$/;

/**
 * Why EventBridge would refuse a schedule expression, or undefined when it takes it: a rate is
 * a positive number with a singular unit for 1 and a plural one above; a cron has six fields
 * and `?` in exactly one of day-of-month and day-of-week.
 */
function scheduleProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'a rate must be at least 1: rate(1 day)';
    const wanted = value === 1 ? unit : `${unit}s`;
    return `${unit}${rate[3]}` === wanted ? undefined : `EventBridge wants rate(${value} ${wanted})`;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? '').split(' ');
    return (fields[2] === '?') !== (fields[4] === '?')
      ? undefined
      : 'a cron needs ? in exactly one of day-of-month and day-of-week: cron(0 3 * * ? *)';
  }
  return 'must be an EventBridge expression: rate(1 day) or cron(0 3 * * ? *)';
}

const scheduleSchema = z.object({
  job: z.string(),
  schedule: z.string().superRefine((expression, ctx) => {
    const problem = scheduleProblem(expression);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  input: z.array(z.string().min(1)).min(1, 'needs at least one input'),
  // The functions publish only under out/; an s3:// URI is checked against the bucket at run time.
  output: z
    .string()
    .min(1)
    .refine((o) => o.startsWith('s3://') || o.replace(/^\/+/, '').startsWith(BUCKET_LAYOUT.output), {
      message: `must be a prefix under ${BUCKET_LAYOUT.output} (the functions publish only there): ${BUCKET_LAYOUT.output}wordcount/{date}/`,
    }),
  options: z.record(z.string(), z.unknown()).optional(),
  overwrite: z.boolean().optional(),
  enabled: z.boolean().optional(),
});

/**
 * Declares the project's deploy configuration: the jobs registry the deployed functions load
 * jobs from (bundled into them by serverless-esbuild), and EventBridge schedules that run a
 * registered job as a batch run, and the APIs and functions delegate jobs may call. Checked
 * when loaded: names, jobs, schedule expressions, outputs and delegation targets.
 *
 * @example
 * ```ts
 * import { defineConfig } from 'stepmr';
 * import wordcount from './examples/wordcount/job.js';
 * import clicks from './examples/clickstream/job.js';
 *
 * export default defineConfig({
 *   jobs: { wordcount },
 *   schedules: {
 *     nightly: { job: 'wordcount', schedule: 'cron(0 3 * * ? *)', input: ['in/corpus/'], output: 'out/wordcount/{date}/' },
 *   },
 *   streams: { clicks },
 * });
 * ```
 */
export function defineConfig(config: StepmrConfig): StepmrConfig {
  for (const [name, job] of Object.entries(config.jobs)) {
    if (!NAME.test(name)) {
      throw new ConfigError(
        `stepmr.config.ts: job name ${JSON.stringify(name)} must start with a letter and hold only letters, digits and '-' (at most 40)`,
      );
    }
    if (!isJob(job)) {
      throw new ConfigError(
        `stepmr.config.ts: jobs.${name} is not a job made by defineJob; import the job module's default export`,
      );
    }
  }
  for (const [name, schedule] of Object.entries(config.schedules ?? {})) {
    if (!NAME.test(name)) {
      throw new ConfigError(
        `stepmr.config.ts: schedule name ${JSON.stringify(name)} must start with a letter and hold only letters, digits and '-' (at most 40)`,
      );
    }
    const parsed = scheduleSchema.safeParse(schedule);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(
        `stepmr.config.ts: schedules.${name}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    if (!Object.hasOwn(config.jobs, schedule.job)) {
      throw new ConfigError(
        `stepmr.config.ts: schedules.${name} runs job ${JSON.stringify(schedule.job)}, which is not in jobs (${Object.keys(config.jobs).join(', ')})`,
      );
    }
  }
  checkDelegates(config.delegates ?? {});
  for (const [name, stream] of Object.entries(config.streams ?? {})) {
    if (!isStream(stream)) {
      throw new ConfigError(
        `stepmr.config.ts: streams.${name} is not a stream made by defineStream; import the stream module's default export`,
      );
    }
    if (stream.stream.name !== name) {
      throw new ConfigError(
        `stepmr.config.ts: streams.${name} holds stream ${JSON.stringify(stream.stream.name)}; register it under its own name (streams: { ${stream.stream.name} })`,
      );
    }
  }
  return config;
}

const FUNCTION_REF =
  /^(arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

/** Checks the delegation targets: absolute http(s) base URLs without query, and function names or ARNs. */
function checkDelegates(delegates: DelegatesConfig): void {
  for (const api of delegates.apis ?? []) {
    let url: URL | undefined;
    try {
      url = new URL(api);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username) {
      throw new ConfigError(
        `stepmr.config.ts: delegates.apis ${JSON.stringify(api)} must be a base URL such as https://abc123.execute-api.us-east-1.amazonaws.com/prod (no query, no credentials)`,
      );
    }
  }
  for (const fn of delegates.functions ?? []) {
    if (!FUNCTION_REF.test(fn)) {
      throw new ConfigError(
        `stepmr.config.ts: delegates.functions ${JSON.stringify(fn)} must be a Lambda function name or ARN`,
      );
    }
  }
}

/**
 * The name under which a job is registered, or undefined when it is not in the registry.
 *
 * @example
 * ```ts
 * registeredName(config, wordcount); // 'wordcount'
 * ```
 */
export function registeredName(config: StepmrConfig, job: Job): string | undefined {
  return Object.entries(config.jobs).find(([, registered]) => registered === job)?.[0];
}

export { REGISTRY_REF } from '../contract/names.js';
