/**
 * What a delegated task is, what comes back, and how calls are made. A task is plain data (it
 * crosses process boundaries: a job's `delegate` builds it in the map stage, the `delegate`
 * function executes it), so it is serialisable and checked again by the executor.
 */

/** How an HTTP call authenticates. */
export type CallAuth =
  | { readonly type: 'none' }
  /** An API key header; the value is read where the call is made, never stored in a task. */
  | {
      readonly type: 'apiKey';
      /** @default 'x-api-key' */
      readonly header?: string;
      /** The environment variable holding the key. */
      readonly env?: string;
      /** The SSM parameter name holding the key (a SecureString is decrypted). */
      readonly ssmParameter?: string;
    }
  /** SigV4 (`execute-api`), signed with the caller's own AWS credentials. */
  | { readonly type: 'iam'; readonly region?: string; readonly service?: string };

/** One HTTP call, to any HTTPS endpoint or an API Gateway stage. */
export interface HttpTask {
  readonly kind: 'http';
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Absolute URL, query string included. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (POST, PUT, PATCH). */
  readonly body?: unknown;
  readonly auth?: CallAuth;
}

/** One synchronous Lambda invocation (`RequestResponse`). */
export interface LambdaTask {
  readonly kind: 'lambda';
  /** Function name, ARN or partial ARN, optionally with a qualifier. */
  readonly functionName: string;
  readonly payload?: unknown;
}

/** A delegated task. */
export type DelegateTask = HttpTask | LambdaTask;

/** Why a call failed, when it did. */
export interface CallError {
  readonly name: string;
  readonly message: string;
}

/**
 * The result of one task, in the position of its input: a superset of SAMBA's AWSResult.
 * A failed call is a result (`ok: false`), not an exception.
 */
export interface DelegateResult {
  /** Position of the task in the input, from 0. */
  readonly index: number;
  readonly ok: boolean;
  /** HTTP status, or 200 for a Lambda that returned and 500 for one that raised; 0 when no response came. */
  readonly status: number;
  /** The parsed JSON response (text when it is not JSON); `null` when there is none. */
  readonly output: unknown;
  readonly error?: CallError;
  /** Calls made, retries included. */
  readonly attempts: number;
  /** Wall time from the first attempt to the result, retries and waits included. */
  readonly ms: number;
}

/** How calls are made. Every field has a default. */
export interface CallPolicy {
  /** Per attempt, ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and connection errors. @default 3 */
  readonly retries?: number;
  /** Calls in flight at once (the ceiling, when adaptive). @default 64 */
  readonly concurrency?: number;
  /** Calls started per second, at most. @default unlimited */
  readonly ratePerSecond?: number;
  /**
   * How the rate starts: `'burst'`, with a full token bucket (1/20 s worth of calls at once),
   * or `'paced'`, one burst short of empty (the first call waits 1/20 s and one call's time).
   * Paced runs that follow one another on the same share of a rate, as the batches of a
   * delegate stage do, never pass it in any second together, whatever the one before did.
   * @default 'burst'
   */
  readonly rateStart?: 'burst' | 'paced';
  /** Reduce concurrency on 429/503 and grow it while calls succeed. @default true */
  readonly adaptive?: boolean;
  /** First backoff, ms; doubles per retry, with full jitter. @default 100 */
  readonly baseDelayMs?: number;
  /** Longest backoff, ms. @default 20000 */
  readonly maxDelayMs?: number;
}
