import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidUriError, StoreNotAvailableError } from './errors.js';
import { FileStore } from './FileStore.js';
import type { Store } from './Store.js';

/**
 * The storage schemes stepmr addresses objects with.
 *
 * @example
 * ```ts
 * const scheme: UriScheme = parseUri('s3://bucket/key').scheme; // 's3'
 * ```
 */
export type UriScheme = 'file' | 's3';

/**
 * A URI taken apart: a local absolute path, or an S3 bucket and key.
 *
 * @example
 * ```ts
 * const parsed: ParsedUri = { scheme: 's3', bucket: 'logs', key: '2024/01.gz' };
 * ```
 */
export type ParsedUri =
  | { readonly scheme: 'file'; readonly path: string }
  | { readonly scheme: 's3'; readonly bucket: string; readonly key: string };

/**
 * One object, as a store and a key inside it.
 *
 * @example
 * ```ts
 * const { store, key }: OpenedUri = openUri('file:///data/in.txt');
 * ```
 */
export interface OpenedUri {
  readonly store: Store;
  readonly key: string;
}

/**
 * Makes the store for a URI of one scheme; see {@link registerStoreOpener}.
 *
 * @example
 * ```ts
 * const opener: StoreOpener = (parsed, uri) => ({ store: storeFor(uri), key: parsed.scheme === 's3' ? parsed.key : '' });
 * ```
 */
export type StoreOpener = (parsed: ParsedUri, uri: string) => OpenedUri;

const openers = new Map<UriScheme, StoreOpener>([['file', openFile]]);

/**
 * Turns a local path (relative to the working directory, or absolute) into a `file:///abs`
 * URI; `file://` and `s3://` URIs are returned unchanged after a syntax check. Characters
 * that URLs reserve (space, `%`, `#`…) are percent-encoded, as `pathToFileURL` does.
 *
 * @example
 * ```ts
 * toUri('data/in.txt'); // 'file:///home/me/project/data/in.txt'
 * toUri('s3://bucket/in.txt'); // unchanged
 * ```
 */
export function toUri(pathOrUri: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUri)) {
    parseUri(pathOrUri);
    return pathOrUri;
  }
  if (pathOrUri === '') throw new InvalidUriError(pathOrUri, 'it is empty');
  return pathToFileURL(path.resolve(pathOrUri)).href;
}

/**
 * Takes a `file://` or `s3://` URI apart. S3 keys are taken literally (not percent-decoded),
 * as the AWS CLI does; file URIs are decoded to a path.
 *
 * @example
 * ```ts
 * parseUri('s3://logs/2024/01.gz'); // { scheme: 's3', bucket: 'logs', key: '2024/01.gz' }
 * parseUri('file:///data/a%20b.txt'); // { scheme: 'file', path: '/data/a b.txt' }
 * ```
 */
export function parseUri(uri: string): ParsedUri {
  if (uri.startsWith('s3://')) {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    if (bucket === '') throw new InvalidUriError(uri, 'the bucket name is missing');
    return { scheme: 's3', bucket, key: slash === -1 ? '' : rest.slice(slash + 1) };
  }
  if (uri.startsWith('file://')) {
    try {
      return { scheme: 'file', path: fileURLToPath(uri) };
    } catch (error) {
      throw new InvalidUriError(uri, 'it is not a valid file URI', { cause: error });
    }
  }
  throw new InvalidUriError(uri, 'only file:// and s3:// URIs are supported');
}

/**
 * Sets the function that opens URIs of one scheme. The AWS runtime registers its S3 store
 * here; until then `openUri` refuses `s3://` with `StoreNotAvailableError`.
 *
 * @example
 * ```ts
 * registerStoreOpener('s3', (parsed) => {
 *   if (parsed.scheme !== 's3') throw new Error('not s3');
 *   return { store: new S3Store({ client, bucket: parsed.bucket }), key: parsed.key };
 * });
 * ```
 */
export function registerStoreOpener(scheme: UriScheme, opener: StoreOpener): void {
  openers.set(scheme, opener);
}

/**
 * Opens one object by URI: the store that holds it and its key there. A file URI opens a
 * `FileStore` rooted at the file's directory; a URI ending in `/` names a directory (a
 * prefix), opened as a store rooted there with key `''`. A path without a scheme is local.
 *
 * @example
 * ```ts
 * const { store, key } = openUri('file:///data/in.txt');
 * const bytes = await store.get(key);
 * ```
 */
export function openUri(uri: string): OpenedUri {
  const parsed = parseUri(toUri(uri));
  const opener = openers.get(parsed.scheme);
  if (opener === undefined) throw new StoreNotAvailableError(uri, parsed.scheme);
  return opener(parsed, uri);
}

function openFile(parsed: ParsedUri, uri: string): OpenedUri {
  if (parsed.scheme !== 'file') throw new InvalidUriError(uri, 'it is not a file URI');
  if (parsed.path.endsWith('/')) return { store: new FileStore(parsed.path), key: '' };
  const key = path.basename(parsed.path);
  if (key === '') throw new InvalidUriError(uri, 'it names no file');
  return { store: new FileStore(path.dirname(parsed.path)), key };
}
