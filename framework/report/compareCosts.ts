import type { SuccessData } from '../contract/persisted.js';
import { DEFAULT_MB_PER_SECOND, estimateJob, s3Dollars } from '../estimate/estimateJob.js';
import { PRICES, type RegionPrices } from '../estimate/prices.js';
import type { JobShape } from '../estimate/requests.js';
import type { Split } from '../job/types.js';
import { addRequests, noRequests, REQUEST_KINDS, type RequestCounts } from '../store/CountingStore.js';

/** One figure the estimate predicts and the job's tasks counted (undefined: not counted). */
export interface CostLine {
  readonly item: string;
  readonly unit: 'requests' | 'GB-s' | 'USD';
  readonly estimated: number;
  readonly counted: number | undefined;
}

/** The estimate of a job beside what its map and reduce tasks counted. */
export interface CostComparison {
  readonly region: string;
  readonly pricesDate: string;
  readonly mbPerSecond: number;
  /** What the shape the estimate ran on was made of. */
  readonly shape: string;
  readonly lines: readonly CostLine[];
  /** The estimate of the whole job (driver, Step Functions, commit included), USD. */
  readonly estimatedJobDollars: number;
}

const REGION = 'us-east-1';

/**
 * The splits of the job as `_SUCCESS` records them: each succeeded map task's bytes over its
 * splits (each split a whole object: the model's ranged reads past a split's end are not
 * known from `_SUCCESS`), else the input's bytes over its splits.
 */
function splitsOf(m: SuccessData): { splits: Split[]; perTask: number } {
  // The tasks that succeeded: a failed one read and wrote nothing the tasks counted.
  const maps = (m.tasks?.rows ?? []).filter((r) => r.stage === 'map' && r.status === 'succeeded');
  const sizes: number[] = [];
  if (maps.length > 0 && !m.tasks?.omitted) {
    for (const row of maps) {
      const n = Math.max(1, row.items);
      for (let i = 0; i < n; i++) sizes.push(Math.round(row.bytesIn / n));
    }
  } else {
    const n = Math.max(1, m.splits);
    for (let i = 0; i < n; i++) sizes.push(Math.round(m.bytes.in / n));
  }
  const tasks = Math.max(1, maps.length || m.stages.map.tasks);
  const perTask = Math.max(1, ...maps.map((r) => r.items), Math.ceil(sizes.length / tasks));
  const splits = sizes.map((size, id) => ({
    id,
    uri: `s3://stepmr-dev-data/in/${id}`,
    start: 0,
    end: size,
    size,
  }));
  return { splits, perTask };
}

/** Dollars of a stage's tasks: their S3 requests, Lambda invocations and GB-seconds. */
function taskDollars(
  requests: RequestCounts,
  invocations: number,
  gbSeconds: number,
  p: RegionPrices,
): number {
  return (
    s3Dollars(requests, p) +
    (invocations * p.lambdaRequestsPerMillion) / 1e6 +
    gbSeconds * p.lambdaArmPerGbSecond
  );
}

const total = (r: RequestCounts) => REQUEST_KINDS.reduce((n, k) => n + r[k], 0);

/**
 * Runs `stepmr estimate`'s model over the shape a `_SUCCESS` records (its map tasks' bytes and
 * splits, its reducers, its measured shuffle and output ratios) at the estimate's default rate,
 * and sets its figures beside those the job's map and reduce tasks counted: S3 requests by kind,
 * GB-seconds, and their dollars at us-east-1's list prices.
 *
 * @example
 * ```ts
 * const cost = compareCosts(manifest);
 * for (const line of cost?.lines ?? []) console.log(line.item, line.estimated, line.counted);
 * ```
 */
export function compareCosts(m: SuccessData): CostComparison | undefined {
  const prices = PRICES[REGION];
  if (!prices || m.bytes.in === 0) return undefined;
  const { map, reduce } = m.stages;
  const { splits, perTask } = splitsOf(m);
  const shuffled = reduce ? reduce.bytesIn : 0;
  const shape: JobShape = {
    jobId: m.jobId,
    bucket: 'stepmr-dev-data',
    prefix: `work/${m.jobId}/`,
    splits,
    splitsPerTask: perTask,
    reducers: reduce ? m.reducers : 0,
    inputKind: 'lines',
    listing: { list: 1, head: 0 },
    ...(reduce && shuffled > 0 ? { shuffleRatio: shuffled / m.bytes.in } : {}),
    outputRatio: Math.max(1e-9, m.bytes.out / (reduce ? Math.max(1, shuffled) : m.bytes.in)),
  };
  const e = estimateJob(shape, { region: REGION, mbPerSecond: DEFAULT_MB_PER_SECOND });
  const estimated = addRequests(
    addRequests(noRequests(), e.requests.map.requests),
    e.requests.reduce.requests,
  );
  const counted =
    map.requests && (!reduce || reduce.requests)
      ? addRequests(addRequests(noRequests(), map.requests), reduce?.requests ?? noRequests())
      : undefined;
  const countedGbs = map.gbSeconds === undefined ? undefined : map.gbSeconds + (reduce?.gbSeconds ?? 0);
  const estimatedGbs = e.lambda.map.gbSeconds + e.lambda.reduce.gbSeconds;
  const lines: CostLine[] = [
    ...REQUEST_KINDS.map((k) => ({
      item: `S3 ${k} requests (map and reduce tasks)`,
      unit: 'requests' as const,
      estimated: estimated[k],
      counted: counted?.[k],
    })),
    {
      item: 'S3 requests in all',
      unit: 'requests',
      estimated: total(estimated),
      counted: counted && total(counted),
    },
    { item: 'Lambda GB-seconds', unit: 'GB-s', estimated: estimatedGbs, counted: countedGbs },
    {
      item: 'S3 requests, USD',
      unit: 'USD',
      estimated: s3Dollars(estimated, prices),
      counted: counted && s3Dollars(counted, prices),
    },
    {
      item: 'Lambda, USD',
      unit: 'USD',
      estimated: taskDollars(
        noRequests(),
        e.lambda.map.invocations + e.lambda.reduce.invocations,
        estimatedGbs,
        prices,
      ),
      counted:
        countedGbs === undefined
          ? undefined
          : taskDollars(noRequests(), map.tasks + (reduce?.tasks ?? 0), countedGbs, prices),
    },
  ];
  return {
    region: REGION,
    pricesDate: e.pricesDate,
    mbPerSecond: e.mbPerSecond,
    shape: `${splits.length} splits in ${e.requests.map.tasks} map tasks, ${shape.reducers} reducers`,
    lines,
    estimatedJobDollars: e.dollars.total,
  };
}
