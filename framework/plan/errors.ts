import { StepmrError } from '../errors.js';

/**
 * An input path that does not exist.
 *
 * @example
 * ```ts
 * await listInputs(['data/missing.txt']); // rejects with InputNotFoundError
 * ```
 */
export class InputNotFoundError extends StepmrError {
  override readonly name = 'InputNotFoundError';
  readonly input: string;

  constructor(input: string, resolved: string) {
    super(
      `Input ${JSON.stringify(input)} does not exist (looked for ${resolved}). ` +
        'Check the path, or quote a glob pattern so the shell does not expand it.',
    );
    this.input = input;
  }
}

/**
 * An input directory or glob pattern that holds no files (names starting with `.` or `_`
 * are not counted: they are hidden, as in Hadoop).
 *
 * @example
 * ```ts
 * await listInputs(['logs/*.gz']); // rejects with EmptyInputError when nothing matches
 * ```
 */
export class EmptyInputError extends StepmrError {
  override readonly name = 'EmptyInputError';
  readonly input: string;

  constructor(input: string, what: 'directory' | 'glob') {
    super(
      what === 'directory'
        ? `Input directory ${JSON.stringify(input)} holds no files (names starting with '.' or '_' are skipped). Put the input files there, or name them directly.`
        : `Input pattern ${JSON.stringify(input)} matches no files (names starting with '.' or '_' are skipped). Check the pattern and the working directory.`,
    );
    this.input = input;
  }
}

/**
 * A size that is not a whole number of bytes, or a size with an unknown unit.
 *
 * @example
 * ```ts
 * parseSize('12 parsecs'); // throws InvalidSizeError
 * ```
 */
export class InvalidSizeError extends StepmrError {
  override readonly name = 'InvalidSizeError';
}

/**
 * An output location that holds data a run may not replace: anything, without `--overwrite`;
 * with it, anything but a stepmr result (a `_SUCCESS` manifest and its parts).
 *
 * @example
 * ```ts
 * await planJob({ ...request, output: toUri('.'), overwrite: true }); // rejects with OutputExistsError
 * ```
 */
export class OutputExistsError extends StepmrError {
  override readonly name = 'OutputExistsError';
}

/**
 * An output location that is an input, holds one, or lies inside one: the job would read its
 * own parts on the next run, and replacing its output would delete its input.
 *
 * @example
 * ```ts
 * await planJob({ ...request, inputs: ['data/'], output: toUri('data/result') }); // rejects with OutputOverlapsInputError
 * ```
 */
export class OutputOverlapsInputError extends StepmrError {
  override readonly name = 'OutputOverlapsInputError';
}

/**
 * An `s3://` output that the stack's functions may not publish to: outside the data bucket's
 * `out/`, or `out/` itself, whose every result a replacement would touch.
 *
 * @example
 * ```ts
 * await planJob({ ...request, output: 's3://data/out/' }); // rejects with InvalidOutputError
 * ```
 */
export class InvalidOutputError extends StepmrError {
  override readonly name = 'InvalidOutputError';
}

/**
 * A local output this process may not write: the folder itself, or the nearest folder above
 * it that exists, is read-only for this user (or on a read-only file system).
 *
 * @example
 * ```ts
 * await planJob({ ...request, output: toUri('/read-only/out') }); // rejects with OutputNotWritableError
 * ```
 */
export class OutputNotWritableError extends StepmrError {
  override readonly name = 'OutputNotWritableError';
}
