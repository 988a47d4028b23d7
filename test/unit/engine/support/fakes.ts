import { createRequire } from 'node:module';
import { Engine } from '../../../../framework/engine/Engine.js';
import type {
  EngineOptions,
  Execution,
  InvokeOptions,
  InvokeResult,
  Invoker,
} from '../../../../framework/engine/index.js';
import { MemoryStore } from './memoryStore.js';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const validated = new Set<string>();

/**
 * Throws unless asl-validator accepts the definition (given a copy: it adds fields). Results
 * are cached by JSON text, as the validator compiles its schemas on every call (~300 ms).
 */
export function expectValidAsl(definition: object): void {
  const text = JSON.stringify(definition);
  if (validated.has(text)) return;
  const result = aslValidator(JSON.parse(text));
  if (!result.isValid) throw new Error(`asl-validator rejects the definition:\n${result.errorsText('\n')}`);
  validated.add(text);
}

/** asl-validator's verdict on a definition (an independent reading of the language). */
export function aslAccepts(definition: object): boolean {
  return aslValidator(JSON.parse(JSON.stringify(definition))).isValid;
}

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** The ARN of a test function. */
export function fn(name: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

/** What a fake function receives besides its payload. */
export interface CallInfo {
  readonly options: InvokeOptions | undefined;
  readonly arn: string;
}

export type Handler = (payload: never, info: CallInfo) => unknown;

/** A Lambda service failure: the invoker rejects with an error of this name. */
export function serviceError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, service: true });
}

/** A function error of a given errorType, as a Node handler that throws. */
export function functionError(errorType: string, message = errorType): Error {
  return Object.assign(new Error(message), { name: errorType });
}

/** A fake Invoker running handlers by function name; tracks calls and concurrency. */
export class FakeInvoker implements Invoker {
  readonly calls: { arn: string; payload: unknown }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Override the reported response size. */
  responseBytes: ((payload: unknown) => number) | undefined;

  constructor(private readonly handlers: Record<string, Handler>) {}

  async invoke(arn: string, payload: unknown, options?: InvokeOptions): Promise<InvokeResult> {
    const name = arn.split(':')[6] ?? arn;
    const handler = this.handlers[name];
    if (!handler) throw serviceError('Lambda.ResourceNotFoundException', `Function not found: ${arn}`);
    this.calls.push({ arn, payload });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const result = await handler(structuredClone(payload) as never, { options, arn });
      const bytes = this.responseBytes?.(result) ?? Buffer.byteLength(JSON.stringify(result ?? null));
      return { payload: result ?? null, responseBytes: bytes };
    } catch (error) {
      const e = error as Error & { service?: boolean };
      if (e.service) throw e;
      const body = { errorType: e.name, errorMessage: e.message, trace: [`${e.name}: ${e.message}`] };
      return { payload: body, functionError: body, responseBytes: Buffer.byteLength(JSON.stringify(body)) };
    } finally {
      this.inFlight--;
    }
  }
}

/** A clock whose sleeps return at once, advancing time and recording each delay. */
export function autoClock(start = Date.parse('2024-01-01T00:00:00.000Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    get now() {
      return now;
    },
    deps: {
      now: () => now,
      random: () => 0.5,
      sleep: async (ms: number, signal?: AbortSignal) => {
        if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        sleeps.push(ms);
        now += ms;
      },
    },
  };
}

/** A clock whose sleeps wait until `advance` moves time past them (or their signal aborts). */
export function manualClock(start = Date.parse('2024-01-01T00:00:00.000Z')) {
  let now = start;
  const timers: { at: number; resolve: () => void }[] = [];
  return {
    get pending() {
      return timers.length;
    },
    deps: {
      now: () => now,
      random: () => 0.5,
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          const timer = { at: now + ms, resolve };
          timers.push(timer);
          signal?.addEventListener('abort', () => {
            timers.splice(timers.indexOf(timer), 1);
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          });
        }),
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.resolve();
      }
    },
  };
}

/** Lets pending promise callbacks run. */
export async function flush(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setImmediate(r));
}

/** An engine over fake functions and in-memory buckets. */
export function testEngine(
  handlers: Record<string, Handler>,
  options: Partial<EngineOptions> & { buckets?: Record<string, MemoryStore> } = {},
) {
  const invoker = new FakeInvoker(handlers);
  const buckets = options.buckets ?? { data: new MemoryStore('data') };
  const engine = new Engine({
    invoker,
    stores: (bucket) => {
      const store = buckets[bucket];
      if (!store) throw new Error(`no bucket ${bucket}`);
      return store;
    },
    deps: autoClock().deps,
    ...options,
  });
  return { engine, invoker, buckets };
}

/** Validates the definition with asl-validator, runs it, and waits for the end. */
export async function runAsl(engine: Engine, definition: object, input: unknown = {}): Promise<Execution> {
  expectValidAsl(definition);
  return engine.startExecution({ definition, input }).done;
}
