import { setTimeout as delay } from 'node:timers/promises';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The fetch the executor calls: Node's fetch (undici), on its keep-alive global dispatcher.
 *
 * @example
 * ```ts
 * const logged: CallFetch = (url, init) => fetch(url, init);
 * ```
 */
export type CallFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * What calls need from their surroundings (STYLE rule 12): clocks, sleep and randomness so
 * that time and jitter can be driven by tests; the HTTP client; the AWS clients and
 * credentials, injected so that tests point them at local servers. Every field has a default.
 *
 * @example
 * ```ts
 * await delegate(tasks, {}, { lambda: () => new LambdaClient({ endpoint, maxAttempts: 1 }) });
 * ```
 */
export interface CallDeps {
  /** A monotonic clock, ms. */
  now(): number;
  /** The wall clock, ms since the epoch (for `Retry-After` given as an HTTP date). */
  wallClock(): number;
  /** Waits `ms`; rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1), for the backoff's jitter. */
  random(): number;
  fetch: CallFetch;
  /** Environment variables an `apiKey` auth may read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The Lambda client for Lambda tasks; give it `maxAttempts: 1` (the executor retries). */
  lambda(): LambdaClient | Promise<LambdaClient>;
  /** The SSM client that reads API keys held in parameters. */
  ssm(): SSMClient | Promise<SSMClient>;
  /** Credentials that sign `iam` calls. @default the SDK's default provider chain */
  readonly credentials: AwsCredentialIdentityProvider;
}

let lambdaClient: Promise<LambdaClient> | undefined;
let ssmClient: Promise<SSMClient> | undefined;
let credentials: AwsCredentialIdentityProvider | undefined;

/**
 * The defaults of {@link CallDeps}, with `overrides` in their place. The AWS clients and the
 * credential chain are loaded on first use, so a job that calls only plain HTTPS loads no SDK.
 *
 * @example
 * ```ts
 * const deps = callDeps({ lambda: () => new LambdaClient({ endpoint, maxAttempts: 1 }) });
 * ```
 */
export function callDeps(overrides: Partial<CallDeps> = {}): CallDeps {
  return {
    now: () => performance.now(),
    wallClock: () => Date.now(),
    sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? undefined : { signal }),
    random: Math.random,
    // Node's fetch, on its global dispatcher: undici's keep-alive Agent, so connections are
    // reused across calls, batches and (in a warm Lambda) invocations. (A dedicated, tuned
    // Agent would need undici as a dependency of the package.)
    fetch: (url, init) => fetch(url, init),
    env: process.env,
    lambda: () => {
      lambdaClient ??= import('@aws-sdk/client-lambda').then((m) => new m.LambdaClient({ maxAttempts: 1 }));
      return lambdaClient;
    },
    ssm: () => {
      ssmClient ??= import('@aws-sdk/client-ssm').then((m) => new m.SSMClient({}));
      return ssmClient;
    },
    credentials: (options) => {
      credentials ??= lazyDefaultProvider();
      return credentials(options);
    },
    ...overrides,
  };
}

function lazyDefaultProvider(): AwsCredentialIdentityProvider {
  const provider = import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
  return async (options) => (await provider)(options);
}
