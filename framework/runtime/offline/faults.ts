import type { ProxyAnswer, RequestFilter } from './frontDoor.js';

/** A throttling answer as a service gives it. */
export type Fault = ProxyAnswer;

/** S3's `503 SlowDown`, as S3 answers when a prefix gets more requests than it can take. */
export const S3_SLOW_DOWN: Fault = {
  status: 503,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>stepmr-fault</RequestId><HostId>stepmr-fault</HostId></Error>',
};

/** Lambda's `429 TooManyRequestsException`, as Invoke answers past the concurrency limit. */
export const LAMBDA_TOO_MANY_REQUESTS: Fault = {
  status: 429,
  headers: {
    'content-type': 'application/json',
    'x-amzn-errortype': 'TooManyRequestsException',
    'x-amzn-requestid': 'stepmr-fault',
  },
  body: JSON.stringify({
    Type: 'User',
    message: 'Rate Exceeded.',
    Reason: 'ConcurrentInvocationLimitExceeded',
  }),
};

/** A front-door step that throttles, and what it has done so far. */
export type FaultFilter = RequestFilter & {
  /** Requests seen, and how many of them got the fault. */
  counts(): { readonly requests: number; readonly injected: number };
};

/**
 * A front-door step that answers every `every`-th request it sees with a throttling fault
 * (S3's 503 SlowDown, Lambda's 429) — deterministically, so a run with faults can be repeated
 * — and lets the others through. A faulted request never reaches the service, as a throttled
 * request never reaches S3 or Lambda. Put it after the signature check: only requests the
 * service would have taken are counted and throttled.
 *
 * @example
 * ```ts
 * const throttle = faultFilter(7, S3_SLOW_DOWN);
 * const door = await startFrontDoor({ target: s3.endpoint, filters: [hostFilter('s3'), throttle] });
 * throttle.counts(); // { requests: 21, injected: 3 }
 * ```
 */
export function faultFilter(every: number, fault: Fault): FaultFilter {
  let requests = 0;
  let injected = 0;
  const filter: RequestFilter = () => {
    requests += 1;
    if (every <= 0 || requests % every !== 0) return undefined;
    injected += 1;
    return fault;
  };
  return Object.assign(filter, { counts: () => ({ requests, injected }) });
}
