import type { RequestCounts } from '../store/CountingStore.js';
import { SHUFFLE_PREFIXES } from '../tasks/payloads.js';
import { EstimateError } from './errors.js';
import { AWS_LIMITS, PRICES, PRICES_DATE, type RegionPrices } from './prices.js';
import { countJobRequests, type JobRequests, type JobShape } from './requests.js';

/**
 * MiB per second one map or reduce task processes, end to end: examples/wordcount's map stage
 * on 64 MiB of text (2 tasks of 32 MiB, 2 worker threads on a 2-core machine, worker start
 * included), measured 2026-12-02 from its `_SUCCESS` (bytes in / task time): 4.5 MiB/s. A
 * Lambda of 2048 MB has about 1.2 vCPU. Override it with `--mb-per-s` from your own job's
 * `_SUCCESS` (`stages.map.bytesIn` / `stages.map.taskMs`).
 */
export const DEFAULT_MB_PER_SECOND = 4.5;

/** The memory of the stack's functions (serverless.yml), MB. */
export const FUNCTION_MEMORY_MB = { map: 2048, reduce: 2048, collect: 1024 } as const;

/**
 * Seconds every task spends whatever its size: the invocation, reading job.json, the HEADs
 * after its write (S3 first-byte latency is 10-20 ms a request).
 */
export const TASK_OVERHEAD_SECONDS = 0.2;

/** Lambda's longest run of one invocation (and the stack's function timeout). */
const LAMBDA_TIMEOUT_SECONDS = 900;

/** Seconds of a collect call per request it sends (they are sent one after another). */
const COLLECT_SECONDS_PER_REQUEST = 0.02;

/** Options of {@link estimateJob}. */
export interface EstimateOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default DEFAULT_MB_PER_SECOND */
  readonly mbPerSecond?: number;
  /** Lambda tasks at once. @default 1,000 (the default account quota) */
  readonly concurrency?: number;
}

/** One Lambda stage: invocations, seconds per task, GB-seconds, and its wall time. */
export interface LambdaStage {
  readonly invocations: number;
  readonly taskSeconds: number;
  readonly gbSeconds: number;
  readonly wallSeconds: number;
}

/** What `stepmr estimate` prints: the job's work on AWS and its price. */
export interface JobEstimate {
  readonly region: string;
  readonly pricesDate: string;
  readonly mbPerSecond: number;
  readonly concurrency: number;
  readonly requests: JobRequests;
  readonly lambda: { readonly map: LambdaStage; readonly reduce: LambdaStage; readonly collect: LambdaStage };
  /** The Distributed Map's child executions (EXPRESS): one per task. */
  readonly childExecutions: number;
  readonly expressGbSeconds: number;
  /** State transitions of the job's own (Standard) workflow, one per child execution included. */
  readonly stateTransitions: number;
  /**
   * Peak request rates on the shuffle's objects, per second: in all, and on each of the
   * prefixes they are spread over (`work/<job>/shuffle/0/` … `f/`).
   */
  readonly peak: {
    readonly shuffleGetsPerSecond: number;
    readonly shufflePutsPerSecond: number;
    readonly prefixes: number;
  };
  readonly minutes: number;
  /** What would fail or be throttled on AWS, and what to change. */
  readonly warnings: readonly string[];
  readonly dollars: {
    readonly s3: number;
    readonly lambda: number;
    readonly stepFunctions: number;
    readonly total: number;
  };
}

function lambdaStage(
  bytes: readonly number[],
  mbPerSecond: number,
  memoryMb: number,
  concurrency: number,
): LambdaStage {
  const seconds = bytes.map((b) => TASK_OVERHEAD_SECONDS + b / (mbPerSecond * 1024 * 1024));
  const sum = seconds.reduce((n, s) => n + s, 0);
  const longest = seconds.reduce((n, s) => Math.max(n, s), 0);
  const waves = Math.ceil(bytes.length / concurrency);
  return {
    invocations: bytes.length,
    taskSeconds: bytes.length ? sum / bytes.length : 0,
    gbSeconds: (sum * memoryMb) / 1024,
    wallSeconds: bytes.length ? Math.max(longest, (sum / bytes.length) * waves) : 0,
  };
}

const requestCount = (r: RequestCounts) => r.list + r.get + r.rangedGet + r.put + r.copy + r.delete + r.head;

/**
 * Dollars of S3 requests at a region's prices: PUT, COPY and LIST at one price, GET (ranged or
 * not) and HEAD at another, DELETE at a third (free).
 *
 * @example
 * ```ts
 * s3Dollars({ ...noRequests(), put: 1000 }, PRICES['us-east-1']!); // 0.005
 * ```
 */
export function s3Dollars(r: RequestCounts, prices: RegionPrices): number {
  return (
    ((r.put + r.copy + r.list) * prices.s3PutCopyListPer1000 +
      (r.get + r.rangedGet + r.head) * prices.s3GetHeadPer1000 +
      r.delete * prices.s3DeletePer1000) /
    1000
  );
}

/**
 * Estimates a planned job on AWS: its S3 requests by kind (exactly as the tasks send them, see
 * `countJobRequests`), Lambda invocations and GB-seconds from `mbPerSecond` per task, the
 * Distributed Map's EXPRESS child executions, the workflow's state transitions, the peak
 * request rate on the shuffle's prefix, the wall time with `concurrency` tasks at once, and
 * the dollars at the region's list prices.
 *
 * @example
 * ```ts
 * const estimate = estimateJob(shape, { region: 'us-east-1', mbPerSecond: 30 });
 * console.log(estimate.dollars.total);
 * ```
 */
export function estimateJob(shape: JobShape, options: EstimateOptions = {}): JobEstimate {
  const region = options.region ?? 'us-east-1';
  const prices = PRICES[region];
  if (!prices) {
    throw new EstimateError(
      `no prices for region ${region}: the table (framework/estimate/prices.ts, ${PRICES_DATE}) has ${Object.keys(PRICES).join(', ')}; choose one of those with --region`,
    );
  }
  const mbPerSecond = options.mbPerSecond ?? DEFAULT_MB_PER_SECOND;
  const concurrency = Math.min(
    options.concurrency ?? AWS_LIMITS.lambdaConcurrency,
    AWS_LIMITS.distributedMapConcurrency,
  );
  const requests = countJobRequests(shape);
  const map = lambdaStage(requests.map.taskBytes, mbPerSecond, FUNCTION_MEMORY_MB.map, concurrency);
  const reduce = lambdaStage(requests.reduce.taskBytes, mbPerSecond, FUNCTION_MEMORY_MB.reduce, concurrency);
  const reduces = shape.reducers > 0;
  const collectSeconds =
    (requestCount(requests.shuffle) + requestCount(requests.commit)) * COLLECT_SECONDS_PER_REQUEST;
  const collect: LambdaStage = {
    invocations: reduces ? 2 : 1,
    taskSeconds: collectSeconds / (reduces ? 2 : 1),
    gbSeconds: (collectSeconds * FUNCTION_MEMORY_MB.collect) / 1024,
    wallSeconds: collectSeconds,
  };
  const childExecutions = map.invocations + reduce.invocations;
  // Each child runs as long as its Lambda task, billed in 100 ms steps and one 64 MB chunk.
  const billed = (s: number) => Math.ceil(s * 10) / 10;
  const expressGbSeconds =
    (requests.map.taskBytes.length * billed(map.taskSeconds) +
      requests.reduce.taskBytes.length * billed(reduce.taskSeconds)) *
    AWS_LIMITS.expressMemoryGb;
  // Map, HasReduce, then Shuffle and Reduce (or MapOnly), Commit, Done; and one for each child
  // execution a Distributed Map starts (Step Functions guide, "Transitions in Distributed Map").
  const stateTransitions = (reduces ? 6 : 5) + childExecutions;
  const wallSeconds = map.wallSeconds + reduce.wallSeconds + collect.wallSeconds;
  // Reducers running at once each read one run from every shuffle object over their task time.
  const running = Math.min(reduce.invocations, concurrency);
  const perTask = reduce.invocations ? requests.reduce.requests.rangedGet / reduce.invocations : 0;
  const shuffleGetsPerSecond = reduce.taskSeconds > 0 ? (running * perTask) / reduce.taskSeconds : 0;
  // Map tasks running at once each PUT one shuffle object (its parts, past 8 MiB).
  const mapsRunning = Math.min(map.invocations, concurrency);
  const putsPerTask = map.invocations ? (requests.map.requests.put - 2) / map.invocations : 0;
  const shufflePutsPerSecond =
    reduces && map.taskSeconds > 0 ? (mapsRunning * putsPerTask) / map.taskSeconds : 0;
  const warnings: string[] = [];
  const timeout = (stage: LambdaStage, what: string, fix: string) => {
    if (stage.taskSeconds > LAMBDA_TIMEOUT_SECONDS)
      warnings.push(
        `a ${what} task takes about ${Math.round(stage.taskSeconds)} s, past Lambda's ${LAMBDA_TIMEOUT_SECONDS} s timeout: ${fix}`,
      );
  };
  timeout(map, 'map', 'give each less input (--split-size, --splits-per-task)');
  timeout(reduce, 'reduce', 'use more reducers (--reducers)');
  const prefixes = Math.max(1, Math.min(SHUFFLE_PREFIXES, map.invocations));
  if (shuffleGetsPerSecond / prefixes > AWS_LIMITS.s3GetPerPrefixPerSecond)
    warnings.push(
      `the reducers read about ${Math.round(shuffleGetsPerSecond / prefixes)} ranged GETs/s from each of the shuffle's ${prefixes} prefixes, over S3's ${AWS_LIMITS.s3GetPerPrefixPerSecond}/s per partitioned prefix (503 SlowDown, retried): fewer, larger map tasks (--split-size, --splits-per-task) mean fewer, larger reads`,
    );
  if (shufflePutsPerSecond / prefixes > AWS_LIMITS.s3PutPerPrefixPerSecond)
    warnings.push(
      `the map tasks write about ${Math.round(shufflePutsPerSecond / prefixes)} PUTs/s to each of the shuffle's ${prefixes} prefixes, over S3's ${AWS_LIMITS.s3PutPerPrefixPerSecond}/s per partitioned prefix: give each map task more input`,
    );
  const s3 = s3Dollars(requests.total, prices);
  const lambda =
    ((map.invocations + reduce.invocations + collect.invocations) * prices.lambdaRequestsPerMillion) / 1e6 +
    (map.gbSeconds + reduce.gbSeconds + collect.gbSeconds) * prices.lambdaArmPerGbSecond;
  const stepFunctions =
    (stateTransitions * prices.standardTransitionsPer1000) / 1000 +
    (childExecutions * prices.expressRequestsPerMillion) / 1e6 +
    expressGbSeconds * prices.expressPerGbSecond;
  return {
    region,
    pricesDate: PRICES_DATE,
    mbPerSecond,
    concurrency,
    requests,
    lambda: { map, reduce, collect },
    childExecutions,
    expressGbSeconds,
    stateTransitions,
    peak: { shuffleGetsPerSecond, shufflePutsPerSecond, prefixes },
    minutes: wallSeconds / 60,
    warnings,
    dollars: { s3, lambda, stepFunctions, total: s3 + lambda + stepFunctions },
  };
}
