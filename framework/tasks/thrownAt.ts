import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** stepmr's own folder (framework/ in a clone, dist/ when installed): frames there are not the user's. */
const OWN = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const FRAME = /\(?((?:file:\/\/)?\/[^()\s]*?):(\d+):(\d+)\)?\s*$/;

/**
 * Where in the user's own code an exception was thrown: the first frame of its stack that is
 * not stepmr's, Node's or a dependency's, as `file:line:column` (relative to the working
 * directory when under it; source-mapped for TypeScript jobs), or undefined if none is.
 *
 * @example
 * ```ts
 * thrownAt(new Error('x')); // 'jobs/count.ts:12:11'
 * ```
 */
export function thrownAt(error: unknown, cwd = process.cwd()): string | undefined {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  for (const line of stack.split('\n').slice(1)) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, where = '', row, column] = match;
    const file = where.startsWith('file://') ? fileURLToPath(where) : where;
    if (file.startsWith(`${OWN}${path.sep}`) || file.split(path.sep).includes('node_modules')) continue;
    const shown = file.startsWith(`${cwd}${path.sep}`) ? path.relative(cwd, file) : file;
    return `${shown}:${row}:${column}`;
  }
  return undefined;
}

/**
 * ` (at file:line:column)` for an exception of the user's code, or '' when its stack has no
 * frame of theirs: what a task adds to the message of a map, combine or reduce that threw.
 *
 * @example
 * ```ts
 * `map threw: ${error.message}${atUserCode(error)}`; // 'map threw: boom (at jobs/count.ts:12:11)'
 * ```
 */
export function atUserCode(error: unknown): string {
  const at = thrownAt(error);
  return at === undefined ? '' : ` (at ${at})`;
}
