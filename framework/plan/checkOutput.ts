import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { BUCKET_LAYOUT } from '../deploy/layout.js';
import type { Store } from '../store/Store.js';
import { openUri, type ParsedUri, parseUri, toUri } from '../store/uri.js';
import { readOutputResult } from '../tasks/earlierResult.js';
import {
  InvalidOutputError,
  OutputExistsError,
  OutputNotWritableError,
  OutputOverlapsInputError,
} from './errors.js';

/**
 * What {@link checkOutput} checks: where a run reads and writes, and whether it may replace
 * an earlier result.
 *
 * @example
 * ```ts
 * const check: OutputCheck = { inputs: ['corpus/'], output: toUri('out/wc'), overwrite: false, bucket: 'stepmr-work' };
 * ```
 */
export interface OutputCheck {
  /** The inputs as the user gave them: paths, globs, `file://` or `s3://` URIs. */
  readonly inputs: readonly string[];
  /** The output location URI. */
  readonly output: string;
  /** Replace an earlier stepmr result there. */
  readonly overwrite: boolean;
  /** The bucket of the job's working objects: an `s3://` output must be in its `out/`. */
  readonly bucket: string;
}

/** A location as the segments of its canonical path (`root` 'file:') or key (`root` the bucket's URI). */
interface Place {
  readonly root: string;
  readonly segments: readonly string[];
}

/** The results folder of a stack's data bucket, `out`. */
const RESULTS = BUCKET_LAYOUT.output.replace(/\/$/, '');

/**
 * Checks an output location before a run is planned, for every runtime: an `s3://` output
 * must be a folder of its own under the stack bucket's `out/`; the output may not be an input,
 * hold one or lie inside one (paths and keys compared segment by segment, symbolic links
 * resolved); and it must be empty, or, with `overwrite`, hold a stepmr result (a `_SUCCESS`
 * manifest), which is all the commit will remove. Resolves with whether it holds one to replace.
 *
 * @example
 * ```ts
 * const replacing = await checkOutput({ inputs: ['corpus/'], output: toUri('out/wc'), overwrite: true, bucket: 'stepmr-work' });
 * ```
 */
export async function checkOutput(check: OutputCheck): Promise<boolean> {
  const uri = toUri(check.output);
  const parsed = parseUri(uri);
  const shown = parsed.scheme === 'file' ? parsed.path : uri;
  if (parsed.scheme === 's3') checkResultsFolder(check.output, parsed, check.bucket);
  const output = await placeOf(parsed, false);
  for (const input of check.inputs) {
    const read = await placeOf(parseUri(toUri(input)), true);
    const holds = inside(read, output);
    const within = inside(output, read);
    const relation = holds && within ? 'is' : holds ? 'holds' : within ? 'lies inside' : undefined;
    if (relation) {
      throw new OutputOverlapsInputError(
        `output ${shown} ${relation} input ${input}: a job must not write where it reads (the next run would read its own parts, and replacing the output would delete the input); choose an --output outside every input`,
      );
    }
  }
  if (parsed.scheme === 'file') await checkWritable(parsed.path);
  const { store, key } = openUri(uri.endsWith('/') ? uri : `${uri}/`);
  if (!(await holdsAnything(store, key))) return false;
  const held = await readOutputResult(store, key);
  if (held.kind === 'stepmr' && check.overwrite) return true;
  if (held.kind === 'stepmr') {
    throw new OutputExistsError(
      `output ${shown} already holds a result (job ${held.jobId}); choose another --output, or pass --overwrite to replace it`,
    );
  }
  const cwd = await placeOf({ scheme: 'file', path: process.cwd() }, false);
  const here = inside(cwd, output) ? ' (the current directory, or a folder above it)' : '';
  const why = held.kind === 'foreign' ? held.reason : 'it has no _SUCCESS';
  throw new OutputExistsError(
    `output ${shown}${here} holds files and is not a stepmr result (${why}); stepmr replaces only a result it wrote, and never deletes other files, even with --overwrite: choose another --output, or empty that one yourself`,
  );
}

/**
 * Throws unless this process may write the local output: the folder itself when it exists,
 * else the nearest folder above it that does (where the run will make it).
 */
async function checkWritable(output: string): Promise<void> {
  let folder = path.resolve(output);
  while (!(await stat(folder).catch(() => undefined))) {
    const up = path.dirname(folder);
    if (up === folder) return;
    folder = up;
  }
  try {
    await access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    const what = folder === path.resolve(output) ? 'it' : `the folder ${folder}, where it would be made,`;
    throw new OutputNotWritableError(
      `cannot write the output ${output}: ${what} is not writable by this user (${code}); choose another --output, or make ${folder} writable`,
      { cause: error },
    );
  }
}

/** Throws unless an `s3://` output is a folder of its own under `out/` of the stack's bucket. */
function checkResultsFolder(output: string, parsed: ParsedUri & { scheme: 's3' }, bucket: string): void {
  const segments = parsed.key.split('/');
  if (segments.at(-1) === '') segments.pop();
  const choose = `choose a folder of its own there, such as s3://${bucket}/${RESULTS}/<name>/`;
  if (parsed.bucket !== bucket || segments[0] !== RESULTS) {
    throw new InvalidOutputError(
      `--output ${output} is not under s3://${bucket}/${RESULTS}/, the only place the stack's functions may publish results; ${choose}`,
    );
  }
  if (segments.length < 2) {
    throw new InvalidOutputError(
      `--output ${output} is the stack's results folder itself, which holds every job's result; ${choose}`,
    );
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new InvalidOutputError(
      `--output ${output} has an empty, '.' or '..' segment, which S3 keeps as it is (the result would not be where the path seems to point); ${choose}`,
    );
  }
}

/**
 * Where a location is, to compare with others. An input pattern stands for its static part
 * (the folder or prefix it is listed from), as `listInputs` reads it.
 */
async function placeOf(parsed: ParsedUri, isInput: boolean): Promise<Place> {
  // Loaded here, not with the module: a job's `import … from 'stepmr'` loads this module in
  // every worker, which never plans.
  const { isDynamicPattern } = await import('tinyglobby');
  if (parsed.scheme === 's3') {
    let segments = parsed.key.split('/');
    if (isInput && isDynamicPattern(parsed.key)) {
      segments = segments.slice(
        0,
        segments.findIndex((s) => isDynamicPattern(s)),
      );
    }
    if (segments.at(-1) === '') segments.pop();
    return { root: `s3://${parsed.bucket}/`, segments };
  }
  let local = parsed.path;
  if (isInput && (await stat(local).catch(() => undefined)) === undefined) {
    const segments = local.split('/');
    const dynamic = segments.findIndex((s) => isDynamicPattern(s));
    if (dynamic !== -1) local = segments.slice(0, dynamic).join('/') || '/';
  }
  return { root: 'file:', segments: (await canonical(local)).split(path.sep).filter((s) => s !== '') };
}

/** A local path with symbolic links resolved, as far as it exists. */
async function canonical(file: string): Promise<string> {
  const missing: string[] = [];
  let at = path.resolve(file);
  for (;;) {
    const real = await realpath(at).catch(() => undefined);
    if (real !== undefined) return path.join(real, ...missing.reverse());
    const parent = path.dirname(at);
    if (parent === at) return path.resolve(file);
    missing.push(path.basename(at));
    at = parent;
  }
}

/** Whether `place` is `outer` or lies inside it. */
function inside(place: Place, outer: Place): boolean {
  return (
    place.root === outer.root &&
    outer.segments.length <= place.segments.length &&
    outer.segments.every((segment, i) => place.segments[i] === segment)
  );
}

async function holdsAnything(store: Store, prefix: string): Promise<boolean> {
  for await (const _ of store.list(prefix)) return true;
  return false;
}
