/**
 * AWS list prices of what a stepmr job uses, per region, in US dollars: S3 Standard requests,
 * Lambda on arm64 (the stack's architecture, serverless.yml), Step Functions Standard state
 * transitions (the job's own workflow) and Express workflows (the Distributed Map's child
 * executions, `ExecutionType: EXPRESS` in buildDefinition.ts). First pricing tier, no free
 * tier: a job's own share of a month's bill.
 */
export interface RegionPrices {
  /** PUT, COPY, POST and LIST requests (multipart parts included), per 1,000. */
  readonly s3PutCopyListPer1000: number;
  /** GET (ranged or not), HEAD and all other requests, per 1,000. */
  readonly s3GetHeadPer1000: number;
  /** DELETE requests cost nothing. */
  readonly s3DeletePer1000: number;
  readonly lambdaRequestsPerMillion: number;
  /** arm64, first tier (up to 7.5 billion GB-s a month). */
  readonly lambdaArmPerGbSecond: number;
  readonly standardTransitionsPer1000: number;
  readonly expressRequestsPerMillion: number;
  /** First tier (up to 1,000 GB-hours a month); billed in 64 MB chunks and 100 ms steps. */
  readonly expressPerGbSecond: number;
}

/** When the prices below were read from aws.amazon.com/{s3,lambda,step-functions}/pricing. */
export const PRICES_DATE = '2026-12-02';

/**
 * The price table, one entry per region: only regions whose prices were read are listed,
 * never guessed. Add a region by reading its three pricing pages and recording the date above.
 *
 * @example
 * ```ts
 * const prices = PRICES['us-east-1'];
 * const dollars = (gets / 1000) * (prices?.s3GetHeadPer1000 ?? 0);
 * ```
 */
export const PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': {
    s3PutCopyListPer1000: 0.005,
    s3GetHeadPer1000: 0.0004,
    s3DeletePer1000: 0,
    lambdaRequestsPerMillion: 0.2,
    lambdaArmPerGbSecond: 0.0000133334,
    standardTransitionsPer1000: 0.025,
    expressRequestsPerMillion: 1.0,
    expressPerGbSecond: 0.00001667,
  },
};

/** The documented limits the model checks a job against. */
export const AWS_LIMITS = {
  /** S3: GET/HEAD requests per second per partitioned prefix. */
  s3GetPerPrefixPerSecond: 5500,
  /** S3: PUT/COPY/POST/DELETE requests per second per partitioned prefix. */
  s3PutPerPrefixPerSecond: 3500,
  /** Lambda: concurrent executions per account and region, by default (a quota that can be raised). */
  lambdaConcurrency: 1000,
  /** Distributed Map: child executions running at once, at most. */
  distributedMapConcurrency: 10_000,
  /** Express child executions are billed in 64 MB chunks; a Lambda task needs one. */
  expressMemoryGb: 64 / 1024,
} as const;
