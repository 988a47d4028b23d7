import { InvalidKeyError, InvalidRangeError } from './errors.js';
import type { ByteRange } from './Store.js';

/**
 * Throws `InvalidKeyError` unless `key` is a relative, `/`-separated path without empty, `.` or
 * `..` segments: the keys a `FileStore` accepts too, so a job moves between stores unchanged.
 * A prefix (`isPrefix`) may end in `/`.
 *
 * @example
 * ```ts
 * checkKey('out/part-00000', 's3://bucket/', false); // passes
 * checkKey('../up', 's3://bucket/', false); // throws InvalidKeyError
 * ```
 */
export function checkKey(key: string, root: string, isPrefix: boolean): void {
  const fail = (reason: string): never => {
    throw new InvalidKeyError(key, reason, root);
  };
  if (key === '') fail('it is empty');
  if (key.includes('\0')) fail('it contains a NUL character');
  if (key.startsWith('/')) fail('it is absolute');
  const segments = key.split('/');
  segments.forEach((segment, index) => {
    if (segment === '..' || segment === '.') fail(`it has a '${segment}' segment`);
    if (segment === '' && !(isPrefix && index === segments.length - 1)) fail('it has an empty segment');
  });
}

/**
 * Throws `InvalidRangeError` unless `start` is a non-negative integer and `end` an integer (or
 * `Infinity`, "to the end") not before it.
 *
 * @example
 * ```ts
 * checkRange('s3://bucket/a', { start: 10, end: 5 }); // throws InvalidRangeError
 * ```
 */
export function checkRange(location: string, range: ByteRange): void {
  const { start, end } = range;
  const endOk = Number.isSafeInteger(end) || end === Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(start) || start < 0 || !endOk || end < start) {
    throw new InvalidRangeError(location, start, end);
  }
}

/**
 * The `Range` header of a byte range `[start, end)`: HTTP ranges include their last byte.
 *
 * @example
 * ```ts
 * rangeHeader({ start: 0, end: 10 }); // 'bytes=0-9'
 * rangeHeader({ start: 5, end: Infinity }); // 'bytes=5-'
 * ```
 */
export function rangeHeader(range: ByteRange): string {
  return `bytes=${range.start}-${Number.isSafeInteger(range.end) ? range.end - 1 : ''}`;
}

/**
 * The `x-amz-copy-source` of an object: the bucket, then the key with each path segment
 * URL-encoded, as S3 requires (`+` must travel as `%2B`).
 *
 * @example
 * ```ts
 * copySource('data', 'in/a+b c.txt'); // 'data/in/a%2Bb%20c.txt'
 * ```
 */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
