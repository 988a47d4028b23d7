import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

type Json = Record<string, unknown>;

/** An EventBridge event, as rules match it and targets get it. */
export interface BusEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Json;
  readonly time?: string;
  readonly resources?: readonly string[];
}

/** A rule of the packaged template, resolved for this machine. */
interface Rule {
  readonly id: string;
  readonly pattern?: Json;
  /** Milliseconds between firings of a schedule. */
  readonly everyMs?: number;
  readonly functionName: string;
  readonly inputTemplate?: string;
  readonly retries: number;
}

/** Duplicated and delayed deliveries, to prove a consumer does not care. */
export interface EventFaults {
  /** Every n-th event is delivered twice. */
  readonly duplicateEvery?: number;
  /** Every n-th event is delivered `delayMs` late (after later events). */
  readonly delayEvery?: number;
  /** @default 2000 */
  readonly delayMs?: number;
}

/** Options of {@link startEventBus}. */
export interface EventBusOptions {
  /** The template `serverless package` made. */
  readonly template: Json;
  /** What `Ref` of a resource is here: the bucket's name, the state machine's ARN. */
  readonly refs: Readonly<Record<string, string>>;
  readonly lambda: LambdaClient;
  readonly faults?: EventFaults;
  readonly region: string;
  readonly accountId: string;
  /** Where deliveries that failed every retry are reported (the rule's dead-letter queue). */
  readonly deadLetter?: (rule: string, event: BusEvent, error: string) => void;
}

/** The running bus. */
export interface EventBus {
  /** Matches an event against every rule and delivers it to the targets of those that match. */
  put(event: BusEvent): void;
  /** Events delivered, duplicated, delayed, and dead-lettered so far. */
  counts(): { delivered: number; duplicated: number; delayed: number; deadLettered: number };
  /** Resolves once every delivery under way has ended. */
  idle(): Promise<void>;
  /** Stops the schedules; deliveries under way end on their own. */
  stop(): void;
}

const RATE = /^rate\((\d+) (minute|hour|day)s?\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Whether `value` matches one pattern entry: a literal, or `{ prefix }`. */
function matchesValue(value: unknown, allowed: readonly unknown[]): boolean {
  return allowed.some((a) =>
    a !== null && typeof a === 'object'
      ? typeof value === 'string' && typeof (a as { prefix?: unknown }).prefix === 'string'
        ? value.startsWith((a as { prefix: string }).prefix)
        : false
      : a === value,
  );
}

/**
 * EventBridge's matching of the pattern subset stepmr's rules use: literals, `prefix`, nesting.
 *
 * @example
 * ```ts
 * matchesPattern(event, { source: ['aws.s3'], detail: { object: { key: [{ prefix: 'in/clicks/' }] } } });
 * ```
 */
export function matchesPattern(event: unknown, pattern: Json): boolean {
  return Object.entries(pattern).every(([key, want]) => {
    const value = (event as Json | undefined)?.[key];
    if (Array.isArray(want)) return matchesValue(value, want);
    return typeof want === 'object' && want !== null && matchesPattern(value, want as Json);
  });
}

/**
 * A template value with each `{ Ref }` replaced by the value it has here.
 *
 * @example
 * ```ts
 * resolveRefs({ name: [{ Ref: 'DataBucket' }] }, { DataBucket: 'stepmr-dev-data' }); // { name: ['stepmr-dev-data'] }
 * ```
 */
export function resolveRefs(value: unknown, refs: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, refs));
  if (value === null || typeof value !== 'object') return value;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') {
    const resolved = refs[ref];
    if (resolved === undefined) throw new Error(`the offline event bus cannot resolve Ref ${ref}`);
    return resolved;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, refs)]));
}

function rulesOf(template: Json, refs: Readonly<Record<string, string>>): Rule[] {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string; Properties?: Json }>;
  const rules: Rule[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || resource.Properties?.State === 'DISABLED') continue;
    const props = resource.Properties ?? {};
    for (const target of (props.Targets ?? []) as Json[]) {
      const fnId = ((target.Arn as Json | undefined)?.['Fn::GetAtt'] as string[] | undefined)?.[0];
      const fn = fnId ? resources[fnId] : undefined;
      if (fn?.Type !== 'AWS::Lambda::Function') continue;
      const rate = RATE.exec(String(props.ScheduleExpression ?? ''));
      const inputTemplate = (target.InputTransformer as Json | undefined)?.InputTemplate;
      rules.push({
        id,
        ...(props.EventPattern ? { pattern: resolveRefs(props.EventPattern, refs) as Json } : {}),
        ...(rate ? { everyMs: Number(rate[1]) * (UNIT_MS[rate[2] ?? ''] ?? 0) } : {}),
        functionName: String(fn.Properties?.FunctionName ?? fnId),
        ...(typeof inputTemplate === 'string' ? { inputTemplate } : {}),
        retries: Number((target.RetryPolicy as Json | undefined)?.MaximumRetryAttempts ?? 2),
      });
    }
  }
  return rules;
}

/**
 * The offline cloud's EventBridge: the rules of the packaged template (their event patterns,
 * `rate(…)` schedules and input templates with `<aws.events.event.json>`), delivering matching
 * events to their functions through the Lambda Invoke API, retried as the target's
 * `RetryPolicy` says, then reported as dead letters. Schedules fire on the clock. With
 * `faults`, some events are delivered twice or late, as EventBridge may.
 *
 * @example
 * ```ts
 * const bus = startEventBus({ template, refs: { DataBucket: bucket, JobsStateMachine: arn }, lambda, region, accountId });
 * bus.put({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: bucket }, object: { key } } });
 * ```
 */
export function startEventBus(options: EventBusOptions): EventBus {
  const rules = rulesOf(options.template, options.refs);
  const faults = options.faults ?? {};
  const counts = { delivered: 0, duplicated: 0, delayed: 0, deadLettered: 0 };
  const pending = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let seen = 0;
  let stopped = false;

  const full = (event: BusEvent): Json => ({
    version: '0',
    id: randomUUID(),
    account: options.accountId,
    region: options.region,
    time: event.time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: event.resources ?? [],
    ...event,
  });

  async function deliver(rule: Rule, event: Json): Promise<void> {
    const text = JSON.stringify(event);
    const payload = rule.inputTemplate
      ? rule.inputTemplate.replaceAll('<aws.events.event.json>', text)
      : text;
    let error = '';
    for (let attempt = 0; attempt <= rule.retries && !stopped; attempt++) {
      try {
        const answer = await options.lambda.send(
          new InvokeCommand({ FunctionName: rule.functionName, Payload: Buffer.from(payload) }),
        );
        counts.delivered += 1;
        // An asynchronous invocation's error is retried by Lambda, then dropped: as here.
        if (!answer.FunctionError) return;
        error = Buffer.from(answer.Payload ?? []).toString('utf8');
      } catch (e) {
        error = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    counts.deadLettered += 1;
    options.deadLetter?.(rule.id, event as unknown as BusEvent, error);
  }

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  function send(rule: Rule, event: Json): void {
    seen += 1;
    const copies = faults.duplicateEvery && seen % faults.duplicateEvery === 0 ? 2 : 1;
    if (copies === 2) counts.duplicated += 1;
    const late = faults.delayEvery && seen % faults.delayEvery === 0;
    if (late) counts.delayed += 1;
    for (let copy = 0; copy < copies; copy++) {
      const wait = late && copy === 0 ? (faults.delayMs ?? 2000) : 0;
      track(new Promise((r) => setTimeout(r, wait)).then(() => deliver(rule, event)));
    }
  }

  for (const rule of rules) {
    if (!rule.everyMs) continue;
    const timer = setInterval(() => {
      send(rule, full({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }));
    }, rule.everyMs);
    timer.unref();
    timers.push(timer);
  }

  return {
    put(event) {
      if (stopped) return;
      const whole = full(event);
      for (const rule of rules) if (rule.pattern && matchesPattern(whole, rule.pattern)) send(rule, whole);
    },
    counts: () => ({ ...counts }),
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
    },
  };
}
