import { stat } from 'node:fs/promises';
import path, { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StepmrError } from '../errors.js';
import type { Store } from './Store.js';
import { openUri, parseUri, toUri } from './uri.js';

/** A copy's source or destination cannot be used: the message says which and why. */
export class CopyError extends StepmrError {
  override readonly name = 'CopyError';
}

/** One object to copy: where it is, and its name relative to the source it was found under. */
interface Found {
  readonly store: Store;
  readonly key: string;
  readonly relative: string;
  readonly size: number;
}

/** What a copy did. */
export interface Copied {
  readonly objects: number;
  readonly bytes: number;
}

const asDirectory = (uri: string) => (uri.endsWith('/') ? uri : `${uri}/`);

/** The objects of one source: a file or object, or everything under a directory or prefix. */
async function find(source: string): Promise<{ found: Found[]; tree: boolean }> {
  const uri = toUri(source);
  const parsed = parseUri(uri);
  if (parsed.scheme === 'file') {
    const info = await stat(parsed.path).catch(() => undefined);
    if (!info) throw new CopyError(`${source} does not exist`);
    if (info.isFile()) {
      const { store, key } = openUri(uri);
      return { found: [{ store, key, relative: basename(parsed.path), size: info.size }], tree: false };
    }
  } else if (parsed.key !== '' && !parsed.key.endsWith('/')) {
    const { store, key } = openUri(uri);
    const info = await store.head(key);
    if (info) return { found: [{ store, key, relative: basename(key), size: info.size }], tree: false };
  }
  // A directory, or a prefix: every object under it, named relative to it.
  const { store, key: prefix } = openUri(asDirectory(uri));
  const found: Found[] = [];
  for await (const object of store.list(prefix)) {
    // A zero-byte key ending in '/' is a folder marker (what consoles make), not a file.
    if (object.key.endsWith('/') && object.size === 0) continue;
    found.push({ store, key: object.key, relative: object.key.slice(prefix.length), size: object.size });
  }
  if (found.length === 0)
    throw new CopyError(`nothing to copy at ${source}: no file, object or prefix there`);
  return { found, tree: true };
}

/**
 * The `file://` URI an object lands at under a local directory: its relative name taken
 * literally, segment by segment (never parsed as a URL, where `%2e%2e` means `..`). A name with
 * a `.`, `..` or empty segment, which S3 allows in keys, is refused: it would land elsewhere
 * than it says, or outside the directory.
 */
function localTarget(directory: string, object: Found): string {
  const segments = object.relative.split('/');
  const bad = segments.find((segment) => segment === '' || segment === '.' || segment === '..');
  const root = path.resolve(directory);
  const landing = path.resolve(root, ...segments);
  if (bad !== undefined || !landing.startsWith(`${root}${path.sep}`)) {
    const what = bad === '' ? 'an empty segment (//)' : `a '${bad ?? '..'}' segment`;
    throw new CopyError(
      `object ${object.store.url}${object.key} has ${what} in its name ${JSON.stringify(object.relative)}, so it would not land at that name under ${root} (a '..' climbs out of it); rename or remove that object in the bucket, then copy again (nothing was copied)`,
    );
  }
  return pathToFileURL(landing).href;
}

/**
 * Copies files and objects between local paths and `s3://` URIs, streaming each one (multipart
 * to S3 when large). A source is a file or object, or a directory or prefix copied whole with
 * its relative names. The destination is a directory or prefix when it ends in `/`, is an
 * existing directory, or receives more than one object; otherwise it is the one object's name.
 * Objects land under a local directory at their names taken literally; a name with a `.`, `..`
 * or empty segment is refused before anything is copied, and zero-byte folder markers (keys
 * ending in `/`) are skipped.
 *
 * @example
 * ```ts
 * useS3();
 * await copy(['examples/wordcount/data'], 's3://stepmr-dev-data/in/corpus/');
 * await copy(['s3://stepmr-dev-data/out/wc/'], 'out/wc');
 * ```
 */
export async function copy(
  sources: readonly string[],
  destination: string,
  onCopied?: (from: string, to: string, bytes: number) => void,
): Promise<Copied> {
  if (sources.length === 0) throw new CopyError('name at least one source to copy');
  const all: Found[] = [];
  let tree = false;
  for (const source of sources) {
    const found = await find(source);
    all.push(...found.found);
    tree ||= found.tree;
  }
  const target = toUri(destination);
  const targetPath = parseUri(target);
  const isDirectory =
    targetPath.scheme === 'file' && (await stat(targetPath.path).catch(() => undefined))?.isDirectory();
  const intoDirectory = tree || all.length > 1 || destination.endsWith('/') || isDirectory === true;
  const plan = all.map((object) => ({
    object,
    to: !intoDirectory
      ? target
      : targetPath.scheme === 'file'
        ? localTarget(targetPath.path, object)
        : `${asDirectory(target)}${object.relative}`,
  }));
  const names = new Set<string>();
  for (const { object, to } of plan) {
    if (names.has(to)) {
      throw new CopyError(
        `two sources hold an object named ${object.relative}; copy them to different places (nothing was copied)`,
      );
    }
    names.add(to);
  }
  let bytes = 0;
  for (const { object, to } of plan) {
    const out = openUri(to);
    await out.store.put(out.key, object.store.read(object.key));
    bytes += object.size;
    onCopied?.(`${object.store.url}${object.key}`, to, object.size);
  }
  return { objects: all.length, bytes };
}
