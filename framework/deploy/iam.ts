/** CloudFormation JSON. */
export type Json = Record<string, unknown>;

/**
 * A string with `${…}` placeholders CloudFormation fills in (`Fn::Sub`).
 *
 * @example
 * ```ts
 * arn('arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:stepmr-dev-jobs');
 * ```
 */
export const arn = (template: string): Json => ({ 'Fn::Sub': template });

/**
 * The data bucket's ARN.
 *
 * @example
 * ```ts
 * allow(['s3:ListBucket'], bucketArn);
 * ```
 */
export const bucketArn: Json = { 'Fn::GetAtt': ['DataBucket', 'Arn'] };

/**
 * The data bucket's objects under `prefix` (`''`: all of them).
 *
 * @example
 * ```ts
 * objects('work/'); // { 'Fn::Sub': '${DataBucket.Arn}/work/*' }
 * ```
 */
export const objects = (prefix: string): Json => arn(`\${DataBucket.Arn}/${prefix}*`);

/**
 * The actions a multipart upload needs besides PutObject.
 *
 * @example
 * ```ts
 * allow(['s3:PutObject', ...MULTIPART], objects('work/'));
 * ```
 */
export const MULTIPART = ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];

/**
 * An Allow statement.
 *
 * @example
 * ```ts
 * allow(['s3:GetObject'], objects('in/'));
 * ```
 */
export const allow = (Action: string[], Resource: unknown, Condition?: Json): Json => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

/**
 * ListBucket on the data bucket, for keys under the given prefixes only.
 *
 * @example
 * ```ts
 * listUnder('work/', 'out/');
 * ```
 */
export const listUnder = (...prefixes: string[]) =>
  allow(['s3:ListBucket'], bucketArn, { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } });
