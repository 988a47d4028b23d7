import { BUCKET_LAYOUT } from './layout.js';

type Json = Record<string, unknown>;

const bucketArn: Json = { 'Fn::GetAtt': ['DataBucket', 'Arn'] };

/**
 * The data bucket: SSE-S3, private, owner-enforced and versioned. Its lifecycle rules:
 *
 * - `expire-job-work`: working objects expire 7 days after they were written. With versioning,
 *   an expiry (or the commit's delete) only adds a delete marker and makes the object a
 *   noncurrent version; this rule removes noncurrent versions under `work/` after 1 day, so a
 *   job's working objects are gone 1 day after the commit removes them (8 at most otherwise).
 * - `expire-old-versions`: every other deleted or overwritten object (an input, a result
 *   replaced by `--overwrite`) keeps its earlier version for 30 days, then it is removed; a
 *   delete marker left without versions is removed too. Where two rules cover an object, S3
 *   applies the shorter expiry, so `work/` keeps its 1 day.
 * - `abort-incomplete-uploads`: unfinished multipart uploads are aborted after 1 day.
 *
 * With `eventBridge` (the stack has streams), the bucket sends its events to EventBridge, where
 * the streams' rules pick the "Object Created" events of their source prefixes.
 *
 * @example
 * ```ts
 * const resources = { DataBucket: dataBucket({ eventBridge: true }), DataBucketPolicy: tlsOnly() };
 * ```
 */
export function dataBucket(options: { readonly eventBridge?: boolean } = {}): Json {
  return {
    Type: 'AWS::S3::Bucket',
    Properties: {
      ...(options.eventBridge
        ? { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } }
        : {}),
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-job-work',
            Status: 'Enabled',
            Prefix: BUCKET_LAYOUT.work,
            ExpirationInDays: BUCKET_LAYOUT.workExpiryDays,
            NoncurrentVersionExpiration: { NoncurrentDays: BUCKET_LAYOUT.workNoncurrentExpiryDays },
          },
          {
            Id: 'expire-old-versions',
            Status: 'Enabled',
            Prefix: '',
            NoncurrentVersionExpiration: { NoncurrentDays: BUCKET_LAYOUT.noncurrentExpiryDays },
            ExpiredObjectDeleteMarker: true,
          },
          {
            Id: 'abort-incomplete-uploads',
            Status: 'Enabled',
            Prefix: '',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    },
  };
}

/**
 * The data bucket's policy: every request without TLS is refused.
 *
 * @example
 * ```ts
 * const policy = tlsOnly(); // Deny s3:* where aws:SecureTransport is false
 * ```
 */
export function tlsOnly(): Json {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: { Ref: 'DataBucket' },
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucketArn, { 'Fn::Sub': `\${DataBucket.Arn}/*` }],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
}
