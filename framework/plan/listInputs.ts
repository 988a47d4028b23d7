import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openUri, parseUri, toUri } from '../store/uri.js';
import { EmptyInputError, InputNotFoundError } from './errors.js';

/**
 * One input object: its URI and size in bytes.
 *
 * @example
 * ```ts
 * const file: InputFile = { uri: 'file:///data/in.txt', size: 1024 };
 * ```
 */
export interface InputFile {
  readonly uri: string;
  readonly size: number;
}

/**
 * Lists the input files of a job, sorted by URI without duplicates. Each input is a file, a
 * directory (walked recursively), or a glob pattern (`*`, `**`, `?`, `[…]`, `{a,b}`). Names
 * starting with `.` or `_` found in a directory or by a pattern are hidden, as in Hadoop
 * (`_SUCCESS`, `.crc`, `_temporary/`), but a file named directly is always taken. Symbolic
 * links to files are followed; links to directories are not. Paths may be `file://` URIs, and
 * `s3://bucket/key` URIs (an object, a prefix, or a pattern) once S3 is in use (`useS3`).
 *
 * @example
 * ```ts
 * const files = await listInputs(['data/2024/', 'extra.csv', 'logs/*.gz']);
 * // [{ uri: 'file:///work/data/2024/a.txt', size: 1024 }, …]
 * ```
 */
export async function listInputs(inputs: readonly string[]): Promise<InputFile[]> {
  const found = new Map<string, number>();
  for (const input of inputs) {
    for (const file of await listOne(input)) found.set(file.uri, file.size);
  }
  return [...found.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([uri, size]) => ({ uri, size }));
}

async function listOne(input: string): Promise<InputFile[]> {
  if (input.startsWith('s3://')) return listS3(input);
  const local = input.startsWith('file://') ? fileURLToPath(input) : input;
  const resolved = path.resolve(local);
  const info = await stat(resolved).catch(() => undefined);
  if (info?.isFile()) return [{ uri: toUri(resolved), size: info.size }];
  if (info?.isDirectory()) {
    const files = await walk(resolved);
    if (files.length === 0) throw new EmptyInputError(input, 'directory');
    return files;
  }
  const { isDynamicPattern } = await import('tinyglobby');
  if (!isDynamicPattern(local)) throw new InputNotFoundError(input, resolved);
  const files = await globFiles(local);
  if (files.length === 0) throw new EmptyInputError(input, 'glob');
  return files;
}

async function walk(dir: string): Promise<InputFile[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const lists = await Promise.all(
    entries
      .filter((entry) => !isHidden(entry.name))
      .map(async (entry): Promise<InputFile[]> => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return walk(full);
        const info = await stat(full).catch(() => undefined);
        return info?.isFile() ? [{ uri: toUri(full), size: info.size }] : [];
      }),
  );
  return lists.flat();
}

/** Globs from the pattern's static base directory, hiding `.`/`_` names below it. */
async function globFiles(pattern: string): Promise<InputFile[]> {
  const { glob, isDynamicPattern } = await import('tinyglobby');
  const segments = pattern.split('/');
  const firstDynamic = segments.findIndex((segment) => isDynamicPattern(segment));
  const base = path.resolve(segments.slice(0, firstDynamic).join('/') || '.');
  const rest = segments.slice(firstDynamic).join('/');
  const matches = await glob(rest, {
    cwd: base,
    absolute: false,
    onlyFiles: true,
    dot: false,
    expandDirectories: false,
    followSymbolicLinks: true,
  });
  const visible = matches.filter((match) => !match.split('/').some(isHidden));
  const files = await Promise.all(
    visible.map(async (match) => {
      const full = path.join(base, match);
      const info = await stat(full).catch(() => undefined);
      return info?.isFile() ? [{ uri: toUri(full), size: info.size }] : [];
    }),
  );
  return files.flat();
}

function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/**
 * Lists an `s3://` input: one object, every object under a prefix (a URI ending in `/`, or a
 * key that is no object but has objects below it, like a directory), or the objects a pattern
 * in the key matches, listed from the pattern's static prefix.
 */
async function listS3(input: string): Promise<InputFile[]> {
  const parsed = parseUri(input);
  if (parsed.scheme !== 's3') throw new InputNotFoundError(input, input);
  const root = `s3://${parsed.bucket}/`;
  const { store } = openUri(root);
  const key = parsed.key;
  const { isDynamicPattern } = await import('tinyglobby');
  const under = async (prefix: string, keep: (rest: string) => boolean) => {
    const files: InputFile[] = [];
    for await (const object of store.list(prefix)) {
      const rest = object.key.slice(prefix.length);
      if (rest.split('/').some(isHidden) || !keep(rest)) continue;
      files.push({ uri: root + object.key, size: object.size });
    }
    return files;
  };
  if (isDynamicPattern(key)) {
    const segments = key.split('/');
    const firstDynamic = segments.findIndex((segment) => isDynamicPattern(segment));
    const base = segments
      .slice(0, firstDynamic)
      .map((segment) => `${segment}/`)
      .join('');
    const pattern = segments.slice(firstDynamic).join('/');
    const files = await under(base, (rest) => path.posix.matchesGlob(rest, pattern));
    if (files.length === 0) throw new EmptyInputError(input, 'glob');
    return files;
  }
  if (key !== '' && !key.endsWith('/')) {
    const object = await store.head(key);
    if (object) return [{ uri: root + key, size: object.size }];
  }
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const files = await under(prefix, () => true);
  if (files.length > 0) return files;
  if (key.endsWith('/') || key === '') throw new EmptyInputError(input, 'directory');
  throw new InputNotFoundError(input, root + key);
}
