import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of every line of {@link writeEstimateCorpus}'s files, `\n` included. */
export const LINE_BYTES = 100;

/**
 * Writes text files of fixed-length lines of words (`w0` … `w999`) for estimate tests: with a
 * split size that is no multiple of 100, no split but a file's last ends just after a line
 * break, which the estimate assumes (it reads no data). Returns the files' paths.
 *
 * @example
 * ```ts
 * const files = writeEstimateCorpus('/tmp/corpus', [300, 120]);
 * ```
 */
export function writeEstimateCorpus(dir: string, linesPerFile: readonly number[]): string[] {
  mkdirSync(dir, { recursive: true });
  let next = 0;
  return linesPerFile.map((count, f) => {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      let line = '';
      while (line.length < LINE_BYTES - 8) line += `w${(next++ * 7919) % 1000} `;
      lines.push(line.padEnd(LINE_BYTES - 1, 'x'));
    }
    const path = join(dir, `text-${f}.txt`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  });
}

/**
 * Whether any split boundary of a file (a multiple of `splitSize` before its end) falls just
 * after a line break: checked on the bytes, independently of the planner.
 *
 * @example
 * ```ts
 * expect(boundaryAfterLineBreak(files, 16 * 1024)).toBe(false);
 * ```
 */
export function boundaryAfterLineBreak(files: readonly string[], splitSize: number): boolean {
  return files.some((file) => {
    const bytes = readFileSync(file);
    for (let end = splitSize; end < bytes.length; end += splitSize) if (bytes[end - 1] === 0x0a) return true;
    return false;
  });
}
